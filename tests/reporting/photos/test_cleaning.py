"""The photo pipeline keeps pixels only, turns them upright, and refuses what it cannot trust."""

import functools
import hashlib
import io
import math
import os
import random
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from PIL import Image
from PIL import ImageFile
from PIL import ImageOps

from reporting.photos.cleaning import CleanedPhoto
from reporting.photos.cleaning import CorruptImage
from reporting.photos.cleaning import ImageTooLarge
from reporting.photos.cleaning import PhotoLimits
from reporting.photos.cleaning import PhotoRejected
from reporting.photos.cleaning import UnsupportedImage
from reporting.photos.cleaning import clean_photo
from reporting.photos.cleaning import make_thumbnail
from tests.reporting.images import SENTINELS
from tests.reporting.images import STORED_FROM_UPRIGHT
from tests.reporting.images import encode
from tests.reporting.images import grey_icc
from tests.reporting.images import heif
from tests.reporting.images import jpeg_claiming
from tests.reporting.images import jpeg_segments
from tests.reporting.images import noise
from tests.reporting.images import png_16bit_rgb
from tests.reporting.images import png_header_only
from tests.reporting.images import quadrants
from tests.reporting.images import srgb_icc
from tests.reporting.images import swapped_primaries_icc
from tests.reporting.images import webp_claiming

ROOT = Path(__file__).resolve().parents[3]

# SOI, APP0 (JFIF), DQT, baseline and progressive SOF, DHT, SOS, DRI, EOI: the markers a
# metadata-free JPEG needs. APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC), APP14, COM are leaks.
PIXEL_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDA, 0xDD, 0xD9}
JFIF_INFO = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "dpi",
    "progressive",
    "progression",
}
HEADER_TOKENS = (b"Exif", b"GPS", b"ICC_PROFILE", b"8BIM", b"Photoshop", b"http://ns.adobe.com")

# Every mode the pipeline converts from, in the formats that can carry it.
CASES = [
    ("JPEG", "RGB"),
    ("JPEG", "L"),
    ("JPEG", "CMYK"),
    ("PNG", "RGB"),
    ("PNG", "RGBA"),
    ("PNG", "L"),
    ("PNG", "LA"),
    ("PNG", "P"),
    ("PNG", "I;16"),
    ("WEBP", "RGB"),
    ("WEBP", "RGBA"),
]


def assert_pixels_only(jpeg: bytes) -> Image.Image:
    """Assert the JPEG carries nothing but pixels, by its markers, its bytes and Pillow's view."""
    segments = jpeg_segments(jpeg)
    markers = {marker for marker, _, _ in segments}
    assert markers <= PIXEL_MARKERS, f"unexpected markers {sorted(map(hex, markers))}"
    headers = b"".join(payload for _, _, payload in segments)
    for marker, _, payload in segments:
        if marker == 0xE0:
            assert payload.startswith(b"JFIF\0")
    for token in HEADER_TOKENS:
        assert token not in headers
    for sentinel in (*SENTINELS, b"Exif\0\0"):
        assert sentinel not in jpeg
    image = Image.open(io.BytesIO(jpeg))
    assert (image.format, image.mode) == ("JPEG", "RGB")
    assert set(image.info) <= JFIF_INFO
    assert not image.getexif()
    assert [name for name, _ in image.applist] == ["APP0"]
    image.load()
    return image


def dct_longest(source: tuple[int, int], side: int) -> int | None:
    """The longest side a JPEG decoded at 1/2, 1/4 or 1/8 scale keeps, when that scale lands
    inside the cap and keeps at least three quarters of it (libjpeg rounds up)."""
    if max(source) <= side:
        return None
    for denominator in (2, 4, 8):
        longest = math.ceil(max(source) / denominator)
        if longest <= side:
            keeps = longest >= 0.75 * side and min(source) >= denominator
            return longest if keeps else None
    return None


def assert_fits(
    size: tuple[int, int], source: tuple[int, int], side: int, *, jpeg: bool = False
) -> None:
    """Assert size is source scaled to a longest side of min(side, source's), aspect kept;
    a JPEG may instead keep the size of a reduced-scale decode inside the cap."""
    expected = (dct_longest(source, side) if jpeg else None) or min(side, max(source))
    assert max(size) == expected
    scale = max(size) / max(source)
    for got, was in zip(size, source, strict=True):
        assert got >= 1
        assert abs(got - was * scale) <= 1


def decode(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return image


@st.composite
def photo_limits(draw: st.DrawFn) -> PhotoLimits:
    max_side = draw(st.integers(8, 400))
    return PhotoLimits(max_side=max_side, thumb_side=draw(st.integers(4, max_side)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(CASES),
    width=st.integers(1, 600),
    height=st.integers(1, 600),
    orientation=st.sampled_from([None, *range(1, 9)]),
    limits=photo_limits(),
    seed=st.integers(0, 2**32),
)
# libjpeg rounds 9 px at 1/8 up to 2 px: the resample must still keep the original's aspect.
@example(
    case=("JPEG", "RGB"),
    width=9,
    height=82,
    orientation=None,
    limits=PhotoLimits(max_side=9, thumb_side=4),
    seed=0,
)
def test_cleaned_photo_keeps_only_pixels_within_limits(
    case: tuple[str, str],
    width: int,
    height: int,
    orientation: int | None,
    limits: PhotoLimits,
    seed: int,
) -> None:
    fmt, mode = case
    extra = {"transparency": seed % 256} if mode == "P" and seed % 2 else {}
    data = encode(noise(mode, (width, height), seed), fmt, orientation=orientation, **extra)
    assert any(sentinel in data for sentinel in SENTINELS), "the metadata was planted"

    photo = clean_photo(data, limits)

    full = assert_pixels_only(photo.jpeg)
    thumb = assert_pixels_only(photo.thumbnail)
    upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    assert full.size == (photo.width, photo.height)
    assert thumb.size == (photo.thumb_width, photo.thumb_height)
    assert_fits(full.size, upright, limits.max_side, jpeg=fmt == "JPEG")
    assert_fits(thumb.size, full.size, limits.thumb_side)
    assert photo.content_hash == hashlib.sha256(photo.jpeg).hexdigest()
    alone = make_thumbnail(data, limits)
    assert assert_pixels_only(alone.jpeg).size == (alone.width, alone.height)
    assert_fits((alone.width, alone.height), upright, limits.thumb_side, jpeg=fmt == "JPEG")


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_heic_with_metadata_is_cleaned(mode: str) -> None:
    data = encode(noise(mode, (300, 200), 3), "HEIF", orientation=1)
    assert data[4:12] == b"ftypheic"
    assert any(sentinel in data for sentinel in SENTINELS)

    photo = clean_photo(data, PhotoLimits(max_side=128, thumb_side=32))

    assert assert_pixels_only(photo.jpeg).size == (128, 85)
    assert assert_pixels_only(photo.thumbnail).size == (32, 21)


def test_output_is_deterministic_and_says_what_it_holds() -> None:
    data = encode(noise("RGB", (500, 300), 5), "JPEG")
    first, second = clean_photo(data), clean_photo(data)
    assert first == second
    assert "jpeg" not in repr(first) and first.content_hash in repr(first)


def test_threads_clean_photos_independently() -> None:
    inputs = [
        encode(noise("RGB", (300, 200), seed), "JPEG", icc=swapped_primaries_icc())
        for seed in range(4)
    ]
    inputs += [encode(noise("RGBA", (200, 300), seed), "PNG", orientation=6) for seed in range(4)]
    expected = [clean_photo(data) for data in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(clean_photo, inputs * 3)) == expected * 3


def assert_same_quadrants(image: Image.Image, upright: Image.Image) -> None:
    """Assert each quadrant of image has upright's colour there, within JPEG's error."""
    assert image.size == upright.size
    width, height = upright.size
    for x in (width // 4, 3 * width // 4):
        for y in (height // 4, 3 * height // 4):
            got, want = image.getpixel((x, y)), upright.getpixel((x, y))
            assert isinstance(got, tuple) and isinstance(want, tuple)
            assert max(abs(a - b) for a, b in zip(got[:3], want, strict=True)) <= 40, (x, y)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_pixels_upright(fmt: str, orientation: int) -> None:
    upright = quadrants()
    method = STORED_FROM_UPRIGHT[orientation]
    stored = upright if method is None else upright.transpose(method)
    data = encode(stored, fmt, orientation=orientation, metadata=False, quality=95)
    if fmt != "HEIF":  # the test's table agrees with Pillow's reading of the tag
        assert_same_quadrants(ImageOps.exif_transpose(Image.open(io.BytesIO(data))), upright)

    photo = clean_photo(data)

    assert_same_quadrants(decode(photo.jpeg).convert("RGB"), upright)
    thumb = make_thumbnail(data, PhotoLimits(thumb_side=48))
    assert_same_quadrants(decode(thumb.jpeg), upright.resize((48, 32)))


def test_unreadable_orientation_leaves_pixels_as_stored() -> None:
    upright = quadrants()
    data = bytearray(encode(upright, "JPEG", orientation=6, metadata=False, quality=95))
    start = data.index(b"Exif\0\0")
    data[start + 6 : start + 14] = b"XX\0\x2a\0\0\0\x08"  # neither II nor MM: not TIFF
    assert_same_quadrants(decode(clean_photo(bytes(data)).jpeg), upright)


def centre(jpeg: bytes) -> tuple[int, ...]:
    image = decode(jpeg)
    pixel = image.getpixel((image.width // 2, image.height // 2))
    assert isinstance(pixel, tuple)
    return pixel


def close(got: tuple[int, ...], want: tuple[int, ...], tolerance: int = 6) -> bool:
    return max(abs(a - b) for a, b in zip(got, want, strict=True)) <= tolerance


def test_embedded_profile_is_converted_to_srgb() -> None:
    red = Image.new("RGB", (64, 64), (255, 0, 0))
    data = encode(red, "PNG", icc=swapped_primaries_icc())
    assert close(centre(clean_photo(data).jpeg), (0, 255, 0), tolerance=12)


def test_srgb_profile_leaves_colours_alone() -> None:
    colour = (200, 120, 40)
    data = encode(Image.new("RGB", (64, 64), colour), "PNG", icc=srgb_icc())
    assert close(centre(clean_photo(data).jpeg), colour)


def test_grey_profile_is_converted() -> None:
    # Linear-light mid grey is sRGB level 188.
    data = encode(Image.new("L", (64, 64), 128), "JPEG", metadata=False, icc=grey_icc(1.0))
    assert close(centre(clean_photo(data).jpeg), (188, 188, 188))


def test_unusable_profile_is_ignored() -> None:
    colour = (30, 160, 90)
    data = encode(Image.new("RGB", (64, 64), colour), "JPEG", icc=b"not a profile" * 20)
    assert close(centre(clean_photo(data).jpeg), colour)


def test_cmyk_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG", metadata=False)
    assert close(centre(clean_photo(data).jpeg), (255, 0, 0), tolerance=12)


@pytest.mark.parametrize(
    ("mode", "colour", "expected"),
    [
        ("RGBA", (0, 0, 0, 0), (255, 255, 255)),
        ("RGBA", (0, 0, 0, 128), (127, 127, 127)),
        ("LA", (0, 0), (255, 255, 255)),
        ("RGBA", (10, 200, 30, 255), (10, 200, 30)),
    ],
)
def test_transparency_is_flattened_onto_white(
    mode: str, colour: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    data = encode(Image.new(mode, (64, 64), colour), "PNG")
    assert close(centre(clean_photo(data).jpeg), expected)


def test_palette_transparency_is_flattened_onto_white() -> None:
    image = Image.new("P", (64, 64), 1)
    image.putpalette([0, 0, 0, 255, 0, 0])
    data = encode(image, "PNG", transparency=1)
    assert close(centre(clean_photo(data).jpeg), (255, 255, 255))


def test_16_bit_grey_is_scaled_not_clipped() -> None:
    grey = Image.new("I;16", (64, 64), 32896)  # 128 * 257
    assert close(centre(clean_photo(encode(grey, "PNG")).jpeg), (128, 128, 128))


@pytest.mark.parametrize("alpha", [None, 65535, 0])
def test_16_bit_colour_png(alpha: int | None) -> None:
    data = png_16bit_rgb(32, 32, (65535, 32896, 0), alpha)
    expected = (255, 255, 255) if alpha == 0 else (255, 128, 0)
    photo = clean_photo(data)
    assert close(centre(photo.jpeg), expected)
    assert_pixels_only(photo.jpeg)


def test_multi_picture_jpeg_keeps_its_first_picture() -> None:
    # Cameras and phones store previews and depth maps as extra MPO frames after the photo.
    first, preview = quadrants(), Image.new("RGB", (48, 32), (0, 0, 0))
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[preview], quality=95)
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    assert_same_quadrants(decode(clean_photo(buffer.getvalue()).jpeg), first)


def saved(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def animation(fmt: str) -> bytes:
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "green", "blue")]
    return saved(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
NOT_PHOTOS = {
    "text": "通報: 道路に穴があります\n".encode(),
    "svg": SVG,
    "html": b"<!doctype html><html><body><img src=x></body></html>",
    "pdf": b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
    "empty": b"",
    "random": random.Random(42).randbytes(5000),
    "mp4": b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2" + bytes(1000),
}


@pytest.mark.parametrize("name", sorted(NOT_PHOTOS))
def test_non_images_are_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedImage):
        clean_photo(NOT_PHOTOS[name])


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: animation("GIF"), id="gif-animation"),
        pytest.param(lambda: saved(Image.new("P", (8, 8)), "GIF"), id="gif-still"),
        pytest.param(lambda: animation("WEBP"), id="webp-animation"),
        pytest.param(lambda: animation("PNG"), id="apng"),
        pytest.param(lambda: heif([quadrants(), quadrants().rotate(180)]), id="heif-collection"),
        pytest.param(lambda: saved(Image.new("RGB", (8, 8)), "TIFF"), id="tiff"),
        pytest.param(lambda: saved(Image.new("RGB", (8, 8)), "BMP"), id="bmp"),
        pytest.param(lambda: saved(Image.new("RGB", (8, 8)), "ICO"), id="ico"),
        pytest.param(lambda: saved(Image.new("RGB", (8, 8)), "AVIF"), id="avif"),
        pytest.param(lambda: saved(Image.new("RGB", (8, 8)), "PPM"), id="ppm"),
    ],
)
def test_other_image_formats_and_animations_are_unsupported(data: object) -> None:
    assert callable(data)
    with pytest.raises(UnsupportedImage):
        clean_photo(data())


@functools.cache
def sample(fmt: str) -> bytes:
    return encode(noise("RGB", (200, 150), 11), fmt, quality=90)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_images_are_corrupt(fmt: str, fraction: float) -> None:
    data = sample(fmt)
    with pytest.raises(CorruptImage):
        clean_photo(data[: int(len(data) * fraction)])


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncation_is_refused_even_if_pillow_is_told_to_pad(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some other code in the process may set this; a half-grey photo must still be refused.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = sample(fmt)
    with pytest.raises(CorruptImage):
        clean_photo(data[: int(len(data) * 0.6)])


def test_a_jpeg_signature_on_garbage_is_corrupt() -> None:
    with pytest.raises(CorruptImage):
        clean_photo(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)


def test_every_refusal_speaks_to_the_resident() -> None:
    for error in (UnsupportedImage, ImageTooLarge, CorruptImage):
        rejected = error("detail for the log")
        assert isinstance(rejected, PhotoRejected)
        assert str(rejected) == error.message_en and rejected.detail == "detail for the log"
        assert error.message_ja != PhotoRejected.message_ja
        assert any("\u3040" <= char <= "\u30ff" for char in error.message_ja)


@settings(max_examples=300, deadline=None)
@given(
    fmt=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.none() | st.integers(1, 10**6),
)
def test_damaged_files_are_refused_by_name_or_cleaned(
    fmt: str, edits: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(sample(fmt))
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    try:
        photo = clean_photo(bytes(data))
    except PhotoRejected:
        return
    assert_pixels_only(photo.jpeg)


def pillow_images_created() -> int:
    return Image.core.get_stats()["new_count"]


BOMBS = {
    "png-10-gigapixel": lambda: png_header_only(100_000, 100_000),
    "png-over-pillow-warning": lambda: png_header_only(10_000, 10_000),
    "png-48-megapixel": lambda: png_header_only(8_000, 6_000),
    "jpeg-900-megapixel": lambda: jpeg_claiming(30_000, 30_000),
    "jpeg-48-megapixel": lambda: jpeg_claiming(8_000, 6_000),
    "webp-81-megapixel": lambda: webp_claiming(9_000, 9_000),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_decompression_bombs_are_refused_without_decoding(name: str) -> None:
    data = BOMBS[name]()
    assert len(data) < 2000
    created = pillow_images_created()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracemalloc.start()
        try:
            with pytest.raises(ImageTooLarge):
                clean_photo(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught == []  # Pillow's DecompressionBombWarning must not escape either
    assert pillow_images_created() == created
    assert peak < 1_000_000


def run_with_memory_cap(script: str, headroom_mb: int) -> str:
    """Run script in a child whose address space may grow by only headroom_mb; return stdout."""
    prelude = f"""
        import resource
        with open("/proc/self/status") as status:
            vm = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
        resource.setrlimit(resource.RLIMIT_AS, (vm + {headroom_mb} * 2**20, resource.RLIM_INFINITY))
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = textwrap.dedent(script) + textwrap.dedent(prelude) + "print(run())\n"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("name", ["webp-81-megapixel", "png-48-megapixel", "jpeg-48-megapixel"])
def test_bombs_are_refused_under_a_tight_memory_cap(name: str) -> None:
    # tracemalloc cannot see C allocations (libwebp allocates its canvas while opening), so
    # cap the address space: allocating the image would fail with anything but ImageTooLarge.
    script = f"""
        from reporting.photos.cleaning import clean_photo
        from tests.reporting.photos.test_cleaning import BOMBS
        data = BOMBS[{name!r}]()
        def run():
            try:
                clean_photo(data)
            except Exception as error:
                return type(error).__name__
    """
    assert run_with_memory_cap(script, headroom_mb=40) == "ImageTooLarge"


def test_reduced_scale_decoding_keeps_big_jpegs_small_in_memory(tmp_path: Path) -> None:
    # 8000 x 6000 would take 192 MB decoded in full; the draft decode takes a quarter of that,
    # and the thumbnail-only path a sixty-fourth.
    source = Image.linear_gradient("L").resize((8000, 6000)).convert("RGB")
    path = tmp_path / "big.jpg"
    source.save(path, quality=80)
    script = f"""
        from pathlib import Path
        from reporting.photos.cleaning import PhotoLimits, clean_photo, make_thumbnail
        data = Path({str(path)!r}).read_bytes()
        limits = PhotoLimits(max_pixels=50_000_000)
        def run():
            photo = clean_photo(data, limits)
            thumb = make_thumbnail(data, limits)
            return (photo.width, photo.height, thumb.width, thumb.height)
    """
    # 1/4 scale lands inside the cap (2000 x 1500): that is the photo, with no resampling.
    assert run_with_memory_cap(script, headroom_mb=140) == "(2000, 1500, 320, 240)"


def test_pixel_limit_is_configurable() -> None:
    data = encode(noise("RGB", (20, 20), 1), "PNG")
    assert clean_photo(data, PhotoLimits(max_pixels=400)).width == 20
    with pytest.raises(ImageTooLarge):
        clean_photo(data, PhotoLimits(max_pixels=399))


def test_oversized_input_is_refused_before_opening() -> None:
    limits = PhotoLimits(max_bytes=1000)
    created = pillow_images_created()
    for data in (sample("JPEG"), b"\xff\xd8\xff" + bytes(2000), NOT_PHOTOS["random"]):
        assert len(data) > limits.max_bytes
        with pytest.raises(ImageTooLarge):
            clean_photo(data, limits)
    assert pillow_images_created() == created


def test_default_input_limit_is_20_megabytes() -> None:
    with pytest.raises(ImageTooLarge):
        clean_photo(b"\xff\xd8\xff" + bytes(20 * 1024 * 1024))


def test_limits_must_make_sense() -> None:
    for bad in ({"max_side": 0}, {"thumb_side": -1}, {"max_bytes": 0}, {"quality": 100}):
        with pytest.raises(ValueError):
            PhotoLimits(**bad)  # type: ignore[arg-type]


def test_cleaned_photo_is_frozen() -> None:
    photo = clean_photo(sample("PNG"))
    assert isinstance(photo, CleanedPhoto)
    with pytest.raises(AttributeError):
        photo.width = 1  # type: ignore[misc]
