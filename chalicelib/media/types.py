"""Which file formats PageVoice reads, by content type: the one declaration the API (POST
/uploads, GET /kinds), the worker's decoders and the site share. No dependencies, so the API
imports it without the media stack."""
from __future__ import annotations

# Pillow's format name -> the content type uploads declare. MPO: multi-picture JPEGs from
# phone cameras.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
                 "TIFF": "image/tiff", "BMP": "image/bmp", "GIF": "image/gif", "MPO": "image/jpeg"}
IMAGE_TYPES = tuple(dict.fromkeys(IMAGE_FORMATS.values()))
# File name endings the site's file picker offers for each type.
EXTENSIONS = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"],
              "image/tiff": [".tif", ".tiff"], "image/bmp": [".bmp"], "image/gif": [".gif"]}
# What people call each format (the site's messages: "JPEG, PNG, ... or GIF").
NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/tiff": "TIFF",
         "image/bmp": "BMP", "image/gif": "GIF"}
