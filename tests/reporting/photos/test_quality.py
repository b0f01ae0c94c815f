"""A phone photo decoded at reduced DCT scale looks like a careful downscale of the original.

SSIM (Wang, Bovik, Sheikh and Simoncelli, 2004) on luma, with the paper's 11-tap Gaussian
window (sigma 1.5), K1 = 0.01 and K2 = 0.03, against a LANCZOS downscale of the fully
decoded source to the same size. The threshold is 0.95. Measured on this test's photo: the
pipeline 0.970 (its q85 encode included); the full decode, LANCZOS resize and q85 encode it
replaced 0.972; the photo at a quarter of the size stretched back up, 0.918.
"""

import io
import random

import numpy as np
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFilter

from reporting.photos.cleaning import clean_photo

PHONE = (4032, 3024)
SSIM_THRESHOLD = 0.95


def phone_photo(size: tuple[int, int], seed: int) -> bytes:
    """A JPEG at quality 92 with a photo's mix: gradients, edges, texture and sensor grain."""
    rng = random.Random(seed)
    width, height = size
    base = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ),
    )
    draw = ImageDraw.Draw(base)
    for _ in range(300):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(4, 300)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + r, y + r), fill=colour)
        draw.line((x, y, rng.randrange(width), rng.randrange(height)), fill=colour, width=2)
    grain = Image.frombytes("L", size, rng.randbytes(width * height)).point(lambda v: v // 6)
    image = Image.blend(base.filter(ImageFilter.GaussianBlur(0.7)), grain.convert("RGB"), 0.1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def luma(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float64)


def gaussian_filter(values: np.ndarray) -> np.ndarray:
    """Filter with the 11-tap Gaussian (sigma 1.5) along both axes; 'valid' borders."""
    taps = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5**2))
    taps /= taps.sum()
    rows = sum(w * values[i : values.shape[0] - 10 + i] for i, w in enumerate(taps))
    return sum(w * rows[:, i : rows.shape[1] - 10 + i] for i, w in enumerate(taps))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = gaussian_filter(a), gaussian_filter(b)
    var_a = gaussian_filter(a * a) - mu_a**2
    var_b = gaussian_filter(b * b) - mu_b**2
    cov = gaussian_filter(a * b) - mu_a * mu_b
    index = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return float(index.mean())


def test_a_phone_photo_is_decoded_at_half_scale_and_matches_a_careful_downscale() -> None:
    data = phone_photo(PHONE, 16)
    photo = clean_photo(data)
    # Half of 4032 x 3024 is inside the 2048 px cap: the decode is the photo.
    assert (photo.width, photo.height) == (2016, 1512)
    assert (photo.thumb_width, photo.thumb_height) == (320, 240)
    original = Image.open(io.BytesIO(data)).convert("RGB")
    reference = original.resize((2016, 1512), Image.Resampling.LANCZOS)
    cleaned = Image.open(io.BytesIO(photo.jpeg))
    assert ssim(luma(cleaned), luma(reference)) >= SSIM_THRESHOLD
    # The measure can tell: the photo at a quarter of the size, stretched back up, fails.
    quarter = original.resize((1008, 756), Image.Resampling.LANCZOS)
    stretched = quarter.resize((2016, 1512), Image.Resampling.BICUBIC)
    assert ssim(luma(stretched), luma(reference)) < SSIM_THRESHOLD
