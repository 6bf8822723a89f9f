"""Reading multipart uploads: a part of a file field is a file, whether or not it names one.

Werkzeug reads a part without a filename as a text field: decoded as UTF-8 with bad bytes replaced,
refused over 500 KB, and absent from `request.files`. `curl -F 'image=<dog.jpg'` and many generated
clients send photos so; here such a part of a file field reaches `request.files` with its bytes as
sent and its content type, as a named one does.
"""

from __future__ import annotations

import typing as t

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

# The multipart fields that carry files: the photos (`image`) and a dataset's zip (`archive`).
FILE_FIELDS = frozenset({"image", "archive"})


class _FileFieldDecoder(MultipartDecoder):
    def next_event(self):
        event = super().next_event()
        if isinstance(event, Field) and event.name in FILE_FIELDS:
            return File(name=event.name, filename=None, headers=event.headers)
        return event


class _MultiPartParser(MultiPartParser):
    def parse(self, stream: t.IO[bytes], boundary: bytes, content_length: int | None):
        # Werkzeug 3.1's `MultiPartParser.parse` with the decoder above: it has no hook for the decoder.
        decoder = _FileFieldDecoder(
            boundary, max_form_memory_size=self.max_form_memory_size, max_parts=self.max_form_parts
        )
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, FileStorage]] = []
        part: Field | File | None = None
        text: list[bytes] = []
        text_size = 0
        container: t.IO[bytes] | None = None
        while True:
            data = stream.read(self.buffer_size)
            decoder.receive_data(data or None)
            event = decoder.next_event()
            while not isinstance(event, Epilogue | NeedData):
                if isinstance(event, Field):
                    part, text, text_size = event, [], 0
                elif isinstance(event, File):
                    part, container = event, self.start_file_streaming(event, content_length)
                elif isinstance(event, Data) and isinstance(part, Field):
                    text_size += len(event.data)
                    if self.max_form_memory_size is not None and text_size > self.max_form_memory_size:
                        raise RequestEntityTooLarge()
                    text.append(event.data)
                    if not event.more_data:
                        fields.append(
                            (part.name, b"".join(text).decode(self.get_part_charset(part.headers), "replace"))
                        )
                elif isinstance(event, Data) and isinstance(part, File):
                    container.write(event.data)
                    if not event.more_data:
                        container.seek(0)
                        files.append(
                            (part.name, FileStorage(container, part.filename, part.name, headers=part.headers))
                        )
                event = decoder.next_event()
            if not data:
                return self.cls(fields), self.cls(files)


class FileFieldsFormParser(FormDataParser):
    """Werkzeug's form parser, with the multipart parts of `FILE_FIELDS` always read as files."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = _MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls or MultiDict,
        )
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files
