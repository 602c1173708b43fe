"""The HTTP layer: the edge (JSON in and out, errors, CORS) and the OpenAPI description."""
