"""Files for upload tests, made here: photos with location EXIF, HEIC, PNG, WebP, PDF."""

from __future__ import annotations

import io
import os
from typing import Any

import httpx
import pillow_heif
from PIL import ExifTags, Image, ImageDraw

pillow_heif.register_heif_opener()

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (51.0, 28.0, 38.0),
    ExifTags.GPS.GPSLongitudeRef: "W",
    ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
}


def picture(
    size: tuple[int, int] = (640, 480), mode: str = "RGB", *, noisy: bool = False
) -> Image.Image:
    """A picture whose top-left corner is red and the rest blue (shows how it was turned);
    `noisy`: random pixels, which compress badly (a large file)."""
    if noisy:
        return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    image = Image.new(mode, size, (20, 40, 200))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(230, 20, 20))
    return image


def photo(fmt: str = "JPEG", *, gps: bool = True, orientation: int = 6, **kw: Any) -> bytes:
    """A camera-like photo: location, maker and an orientation tag (6: turn 90° clockwise)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneCo"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    picture(**kw).save(out, format=fmt, exif=exif)
    return out.getvalue()


def pdf_file() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session_id: str,
    data: bytes,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    expect: int = 201,
    **form: str,
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/sessions/{session_id}/attachments",
        headers=headers,
        files={"file": (filename, data, content_type)},
        data=form,
    )
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))
