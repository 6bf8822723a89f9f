"""Running the API as a server: gunicorn and its workers, and how the workers share the machine's cores,
its memory and the choices an admin makes while it runs."""
