"""Request and response schemas, one module per resource.

They validate what comes in, shape what goes out (views return values and `@bp.response` dumps
them through the schema), and document both in the OpenAPI document, so the documented and the sent
shapes are one.
"""
