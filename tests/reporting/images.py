"""Real test images made with Pillow, carrying planted metadata that cleaning must remove."""

import io
import random
import struct
import zlib

import pillow_heif
from PIL import Image
from PIL import ImageCms
from PIL import PngImagePlugin

# Strings planted in the metadata; finding any of them in a cleaned photo is a leak.
COMMENT = "tsuho-planted-jpeg-comment"
GPS_DATUM = "TSUHO-GPS-DATUM"
SERIAL = "TSUHO-SERIAL-0042"
MAKER_NOTE = b"TSUHO-MAKER-NOTE" * 8
XMP_SECRET = "tsuho-xmp-secret"
PNG_TEXT = "tsuho-png-text"
PNG_ITXT = "tsuho-png-itxt 位置情報"
IPTC_SECRET = b"TSUHO-IPTC-BYLINE"
SENTINELS = (
    COMMENT.encode(),
    GPS_DATUM.encode(),
    SERIAL.encode(),
    b"TSUHO-MAKER-NOTE",
    XMP_SECRET.encode(),
    PNG_TEXT.encode(),
    PNG_ITXT.encode(),
    IPTC_SECRET,
    b"http://ns.adobe.com/xap",
)
XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    f'xmp:CreatorTool="{XMP_SECRET}"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
).encode()

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112

# Where each EXIF orientation says the stored pixels came from, as the transposition that
# turns an upright picture into what the camera stored (EXIF 2.32, tag 0x0112).
STORED_FROM_UPRIGHT = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

# sRGB's primaries adapted to D50, as lcms has them.
SRGB_D50 = {
    "r": (0.4360747, 0.2225045, 0.0139322),
    "g": (0.3850649, 0.7168786, 0.0971045),
    "b": (0.1430804, 0.0606169, 0.7141733),
}
D50 = (0.9642, 1.0, 0.8249)


def planted_exif(orientation: int | None = None) -> Image.Exif:
    """Return EXIF with a camera, serial number, maker note and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "TsuhoCam"  # Make
    exif[0x0110] = "Leaky One"  # Model
    exif[0x0132] = "2026:11:23 09:41:00"  # DateTime
    if orientation is not None:
        exif[ORIENTATION] = orientation
    details = exif.get_ifd(EXIF_IFD)
    details[0xA431] = SERIAL  # BodySerialNumber
    details[0x927C] = MAKER_NOTE  # MakerNote
    gps = exif.get_ifd(GPS_IFD)
    gps[0x0001] = "N"
    gps[0x0002] = (35.0, 41.0, 22.16)
    gps[0x0003] = "E"
    gps[0x0004] = (139.0, 41.0, 30.12)
    gps[0x0012] = GPS_DATUM  # GPSMapDatum
    return exif


def srgb_icc() -> bytes:
    """Return lcms's built-in sRGB profile."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def rgb_icc(red: tuple, green: tuple, blue: tuple, gamma: float = 2.2) -> bytes:
    """Return a matrix/TRC RGB display profile with these D50 primaries."""
    curve = _curve(gamma)
    return _icc(
        b"RGB ",
        {
            b"desc": _desc("tsuho test RGB"),
            b"wtpt": _xyz(*D50),
            b"rXYZ": _xyz(*red),
            b"gXYZ": _xyz(*green),
            b"bXYZ": _xyz(*blue),
            b"rTRC": curve,
            b"gTRC": curve,
            b"bTRC": curve,
            b"cprt": _text("no copyright"),
        },
    )


def swapped_primaries_icc() -> bytes:
    """Return a profile whose red is sRGB's green and whose green is sRGB's red."""
    return rgb_icc(SRGB_D50["g"], SRGB_D50["r"], SRGB_D50["b"])


def grey_icc(gamma: float) -> bytes:
    """Return a grey display profile with this gamma."""
    return _icc(
        b"GRAY",
        {
            b"desc": _desc("tsuho test grey"),
            b"wtpt": _xyz(*D50),
            b"kTRC": _curve(gamma),
            b"cprt": _text("no copyright"),
        },
    )


def _icc(space: bytes, tags: dict[bytes, bytes]) -> bytes:
    table = struct.pack(">I", len(tags))
    body = b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, payload in tags.items():
        payload += b"\0" * (-len(payload) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(payload))
        body += payload
    header = bytearray(128)
    header[8:12] = b"\x02\x10\x00\x00"
    header[12:16] = b"mntr"
    header[16:20] = space
    header[20:24] = b"XYZ "
    header[24:36] = struct.pack(">6H", 2026, 11, 23, 0, 0, 0)
    header[36:40] = b"acsp"
    header[68:80] = b"".join(_s15(v) for v in D50)
    profile = bytes(header) + table + body
    return struct.pack(">I", len(profile)) + profile[4:]


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def _curve(gamma: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256))


def _desc(text: str) -> bytes:
    ascii_ = text.encode() + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + bytes(8 + 3 + 67)


def _text(text: str) -> bytes:
    return b"text\0\0\0\0" + text.encode() + b"\0"


def noise(mode: str, size: tuple[int, int], seed: int) -> Image.Image:
    """Return an image of random pixels in any of the modes we test."""
    rng = random.Random(seed)
    if mode == "P":
        image = Image.frombytes("P", size, rng.randbytes(size[0] * size[1]))
        image.putpalette(rng.randbytes(768))
        return image
    if mode == "I;16":
        return Image.frombytes("I;16", size, rng.randbytes(2 * size[0] * size[1]))
    bands = Image.getmodebands(mode)
    return Image.frombytes(mode, size, rng.randbytes(bands * size[0] * size[1]))


def quadrants(size: tuple[int, int] = (96, 64)) -> Image.Image:
    """Return an asymmetric picture: red, green / blue, yellow quadrants, wider than tall."""
    width, height = size
    image = Image.new("RGB", size, (255, 255, 0))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    image.paste((0, 255, 0), (width // 2, 0, width, height // 2))
    image.paste((0, 0, 255), (0, height // 2, width // 2, height))
    return image


def encode(
    image: Image.Image,
    fmt: str,
    *,
    orientation: int | None = None,
    metadata: bool = True,
    icc: bytes | None = None,
    **params: object,
) -> bytes:
    """Return the image saved as fmt, carrying EXIF with GPS, XMP, comments and text if asked."""
    if metadata:
        params = {**planted_metadata(fmt, orientation, icc), **params}
    else:
        if orientation is not None:
            exif = Image.Exif()
            exif[ORIENTATION] = orientation
            params["exif"] = exif.tobytes()
        if icc is not None:
            params["icc_profile"] = icc
    if fmt == "HEIF":
        return heif([image], **params)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def heif(images: list[Image.Image], **params: object) -> bytes:
    """Return the images as one HEIF file, written without registering pillow-heif in Pillow."""
    # Registering here would hide a photos/cleaning.py that forgot to register its HEIF opener.
    container = pillow_heif.HeifFile()
    for image in images:
        container.add_from_pillow(image)
    buffer = io.BytesIO()
    container.save(buffer, **params)
    return buffer.getvalue()


def planted_metadata(fmt: str, orientation: int | None, icc: bytes | None) -> dict[str, object]:
    """Return Pillow save parameters that plant every kind of metadata fmt can carry."""
    params: dict[str, object] = {
        "exif": planted_exif(orientation).tobytes(),
        "icc_profile": srgb_icc() if icc is None else icc,
    }
    if fmt == "JPEG":
        params["comment"] = COMMENT
        params["extra"] = iptc_segment()
    if fmt == "PNG":
        params["pnginfo"] = png_text()
    else:
        params["xmp"] = XMP
    return params


def png_text() -> PngImagePlugin.PngInfo:
    """Return PNG tEXt, zTXt and iTXt chunks, XMP among them."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PNG_TEXT)
    info.add_text("Software", PNG_TEXT, zip=True)
    info.add_itxt("Description", PNG_ITXT, lang="ja")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return info


def iptc_segment() -> bytes:
    """Return an APP13 Photoshop segment holding an IPTC by-line."""
    record = b"\x1c\x02\x50" + struct.pack(">H", len(IPTC_SECRET)) + IPTC_SECRET
    resource = b"8BIM\x04\x04\0\0" + struct.pack(">I", len(record)) + record
    payload = b"Photoshop 3.0\0" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """Return one PNG chunk with its CRC."""
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_header_only(width: int, height: int) -> bytes:
    """Return a few-byte PNG whose header claims width x height: a decompression bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + png_chunk(b"IEND", b"")
    )


def png_16bit_rgb(width: int, height: int, rgb: tuple[int, int, int], alpha: int | None) -> bytes:
    """Return a 16-bit-per-channel RGB or RGBA PNG of one colour (Pillow cannot write these)."""
    pixel = struct.pack(">3H", *rgb) + (b"" if alpha is None else struct.pack(">H", alpha))
    raw = b"".join(b"\0" + pixel * width for _ in range(height))
    colour_type = 2 if alpha is None else 6
    ihdr = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"tEXt", b"Comment\0" + PNG_TEXT.encode())
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """Return a small real JPEG whose frame header is rewritten to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (16, 16), "grey"), "JPEG", metadata=False))
    for marker, start, _payload in jpeg_segments(bytes(data)):
        if marker in (0xC0, 0xC2):
            data[start + 3 : start + 7] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_claiming(width: int, height: int) -> bytes:
    """Return a tiny lossless WebP whose VP8L header is rewritten to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "WEBP", metadata=False, lossless=True))
    assert data[12:16] == b"VP8L"
    bits = int.from_bytes(data[21:25], "little") & 0xF0000000
    bits |= (width - 1) | ((height - 1) << 14)
    data[21:25] = bits.to_bytes(4, "little")
    return bytes(data)


_STANDALONE = {0x01, 0xD8, *range(0xD0, 0xD8)}


def jpeg_segments(data: bytes) -> list[tuple[int, int, bytes]]:
    """Walk a JPEG's markers: (marker, offset of its length, payload), skipping scan data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments: list[tuple[int, int, bytes]] = [(0xD8, 0, b"")]
    i = 2
    while i < len(data):
        assert data[i] == 0xFF, f"expected a marker at offset {i}"
        while data[i] == 0xFF:  # fill bytes
            i += 1
        marker = data[i]
        i += 1
        if marker == 0xD9:
            segments.append((marker, i, b""))
            assert i == len(data), "bytes after the end-of-image marker"
            break
        if marker in _STANDALONE:
            segments.append((marker, i, b""))
            continue
        length = int.from_bytes(data[i : i + 2], "big")
        segments.append((marker, i, data[i + 2 : i + length]))
        i += length
        if marker == 0xDA:
            i = _end_of_scan(data, i)
    return segments


def _end_of_scan(data: bytes, i: int) -> int:
    """Return the offset of the first marker after entropy-coded data starting at i."""
    while True:
        j = data.index(b"\xff", i)
        following = data[j + 1]
        if following == 0 or 0xD0 <= following <= 0xD7:  # stuffed byte or restart marker
            i = j + 2
            continue
        return j
