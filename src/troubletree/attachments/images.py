"""Uploaded files checked by their content, never their name (pure: bytes in, bytes out).

Images (JPEG, PNG, WebP, HEIC/HEIF) are decoded and encoded again from their pixels: the stored
file carries no EXIF (GPS position, camera, time), XMP or comments, only the pixels turned the
way the camera's orientation tag said. HEIC becomes JPEG (browsers and the PDF cannot show it).
A thumbnail (JPEG, at most 320 px a side) is made of every image. PDFs are kept as they are.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()

# A decompression bomb (a small file of enormous dimensions) is refused before decoding.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
THUMBNAIL_SIDE = 320
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


class UnsupportedFile(ValueError):
    """Not a JPEG, PNG, WebP, HEIC or PDF, or not a readable one."""


@dataclass(frozen=True)
class Processed:
    kind: str  # image or pdf
    content_type: str
    data: bytes
    thumbnail: bytes | None
    width: int | None
    height: int | None


def sniff(data: bytes) -> str | None:
    """The file's real type from its first bytes: jpeg, png, webp, heic, pdf, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "heic"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


# What each image type is stored as: (Pillow format, media type).
_STORED = {
    "jpeg": ("JPEG", "image/jpeg"),
    "heic": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
}


def _flat(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency over white."""
    if image.mode in {"RGBA", "LA", "P"}:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB") if image.mode != "RGB" else image


def process(data: bytes) -> Processed:
    """The file to store (metadata stripped, orientation applied) and its thumbnail."""
    found = sniff(data)
    if found is None:
        raise UnsupportedFile("Only JPEG, PNG, WebP and HEIC photos and PDF files are accepted.")
    if found == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise UnsupportedFile("The PDF is incomplete.")
        return Processed("pdf", "application/pdf", data, None, None, None)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except Image.DecompressionBombError as error:
        raise UnsupportedFile(f"The image is larger than {MAX_PIXELS} pixels.") from error
    except (OSError, ValueError, SyntaxError) as error:
        raise UnsupportedFile("The image cannot be read.") from error
    pillow_format, content_type = _STORED[found]
    image = _flat(upright) if pillow_format == "JPEG" else upright
    if pillow_format == "PNG" and image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        image = image.convert("RGBA")
    out = io.BytesIO()
    # Only pixels are written: no exif, no xmp, no comment, no text chunks.
    options = {"quality": 90} if pillow_format in {"JPEG", "WEBP"} else {"optimize": True}
    image.save(out, format=pillow_format, **options)
    thumb = _flat(image.copy())
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80)
    return Processed(
        "image", content_type, out.getvalue(), thumb_out.getvalue(), image.width, image.height
    )
