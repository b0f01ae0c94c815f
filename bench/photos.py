"""Benchmark the photo pipeline against bare Pillow on a 12 MP phone-like JPEG (4032 x 3024).

Run from the repository root: `.venv/bin/python bench/photos.py` (`--markdown` also prints the
tables for docs/benchmarks.md, `--strict` exits 1 when a goal fails). Each variant runs in
fresh child processes, so its peak RSS (ru_maxrss) is its own; its time is the median of all
runs after one warm-up run each. Ratios near 1 are also timed as alternating pairs in one
process, which cancels the few per cent by which separate processes differ.
"""

import argparse
import io
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PIL import Image
from PIL import ImageChops
from PIL import ImageCms
from PIL import ImageDraw
from PIL import ImageFilter
from PIL import features

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reporting.photos import cleaning as photos  # noqa: E402

SOURCE_SIZE = (4032, 3024)  # a 12 MP phone camera's
QUALITY = photos.PhotoLimits().quality
FULL_SIDE = photos.PhotoLimits().max_side
THUMB_SIDE = photos.PhotoLimits().thumb_side
LANCZOS = Image.Resampling.LANCZOS

GOAL_CLEAN_OVER_FLOOR = 1.15
GOAL_THUMB_SPEEDUP = 3.0
GOAL_PEAK_RSS_MB = 250.0


def make_source(path: Path) -> None:
    """Write a 12 MP JPEG that encodes like a photo: gradients, shapes, texture, sensor noise."""
    width, height = SOURCE_SIZE
    rng = random.Random(2026)

    def noise(scale: int, spread: float) -> Image.Image:
        size = (max(1, width // scale), max(1, height // scale))
        raw = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
        smooth = raw.resize(SOURCE_SIZE, Image.Resampling.BICUBIC) if scale > 1 else raw
        return smooth.point(lambda v: 128 + (v - 128) * spread)

    gradients = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(SOURCE_SIZE),
            Image.radial_gradient("L").resize(SOURCE_SIZE),
            Image.linear_gradient("L").rotate(90).resize(SOURCE_SIZE),
        ),
    )
    texture = Image.merge("RGB", (noise(64, 1.0), noise(16, 1.0), noise(4, 1.0)))
    image = Image.blend(gradients, texture, 0.45)
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y, size = rng.randrange(width), rng.randrange(height), rng.randrange(10, 400)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + size, y + size), fill=colour)
        end = (rng.randrange(width), rng.randrange(height))
        draw.line((x, y, *end), fill=(rng.randrange(256),) * 3, width=rng.randrange(1, 6))
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    grain = noise(1, 0.08)
    image = ImageChops.add(image, Image.merge("RGB", (grain, grain, grain)), offset=-128)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(path, "JPEG", quality=92, exif=phone_exif(), icc_profile=srgb)


def phone_exif() -> bytes:
    """Return EXIF as a phone writes it: camera, exposure, serial, maker note and GPS."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Tsuho", "Bench Phone 12"  # Make, Model
    exif[0x0112], exif[0x0131] = 1, "bench 1.0"  # Orientation, Software
    exif[0x0132] = "2026:11:23 09:41:00"  # DateTime
    details = exif.get_ifd(0x8769)
    details[0x829A], details[0x829D], details[0x8827] = 1 / 120, 1.8, 100  # exposure, f, ISO
    details[0x9003] = "2026:11:23 09:41:00"  # DateTimeOriginal
    details[0xA434], details[0xA431] = "Bench Lens 4.2mm f/1.8", "SN-000123456"
    details[0x927C] = bytes(random.Random(1).randbytes(2048))  # MakerNote
    gps = exif.get_ifd(0x8825)
    gps[0x0001], gps[0x0002] = "N", (35.0, 41.0, 22.16)
    gps[0x0003], gps[0x0004] = "E", (139.0, 41.0, 30.12)
    gps[0x0005], gps[0x0006] = 0, 40.0  # altitude
    gps[0x0007], gps[0x001D] = (0.0, 41.0, 0.0), "2026:11:23"
    return exif.tobytes()


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def encode(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=QUALITY, **params)
    return buffer.getvalue()


def bare(
    data: bytes, side: int, *, draft: bool, progressive: bool, defaults: bool = False
) -> bytes:
    """Decode, resize and encode with Pillow alone: the floor the pipeline is measured against.

    Filter and encoder settings are the pipeline's (LANCZOS with the same reducing gap, same
    quality, progressive for full size, optimised baseline for thumbnails), so the ratio shows
    the pipeline's own overhead; `defaults` uses Pillow's defaults (BICUBIC, baseline) instead.
    """
    image = Image.open(io.BytesIO(data))
    target = fit(image.size, side)
    if draft:
        image.draft("RGB", target)
    image.load()
    if defaults:
        return encode(image.resize(target))
    resized = image.resize(target, LANCZOS, reducing_gap=photos._REDUCING_GAP)
    return encode(resized, progressive=progressive, optimize=not progressive)


def dct_floor(data: bytes) -> tuple[bytes, bytes]:
    """The goal's floor: decode at the DCT scale inside the cap (1/2 here), encode progressive
    at q85, and make the 320 px thumbnail from the decoded pixels. Nothing else."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (image.width // 2, image.height // 2))
    image.load()
    full = encode(image, progressive=True)
    thumb = image.resize(fit(image.size, THUMB_SIDE), LANCZOS, reducing_gap=photos._REDUCING_GAP)
    return full, encode(thumb, optimize=True)


def full_decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def thumb_step_in_clean(data: bytes) -> Callable[[], object]:
    """Return the thumbnail step of clean_photo alone: from the 2048 px pixels, not the file."""
    full = full_decode(photos.clean_photo(data).jpeg)
    target = photos._fit(full.size, THUMB_SIDE)
    return lambda: photos._encode(photos._resize(full, target), QUALITY, progressive=False)


# Each variant: given the source bytes, return what to time. Set-up runs outside the timing.
VARIANTS: dict[str, Callable[[bytes], Callable[[], object]]] = {
    "baseline": lambda data: lambda: None,
    "clean_photo": lambda data: lambda: photos.clean_photo(data),
    "floor": lambda data: lambda: bare(data, FULL_SIDE, draft=False, progressive=True),
    "floor_draft": lambda data: lambda: bare(data, FULL_SIDE, draft=True, progressive=True),
    "floor_dct": lambda data: lambda: dct_floor(data),
    "pillow_defaults": lambda data: (
        lambda: bare(data, FULL_SIDE, draft=False, progressive=False, defaults=True)
    ),
    "full_decode": lambda data: lambda: full_decode(data),
    "make_thumbnail": lambda data: lambda: photos.make_thumbnail(data),
    "thumb_no_draft": lambda data: lambda: bare(data, THUMB_SIDE, draft=False, progressive=False),
    "thumb_step_in_clean": thumb_step_in_clean,
}


def child(name: str, source: Path, repetitions: int) -> None:
    """Time one variant in this process; print its run times and peak memory as JSON."""
    run = VARIANTS[name](source.read_bytes())
    run()  # warm-up: first-call costs (plugin registration, lazy imports) are not the subject
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    figures = {
        "times_ms": [t * 1000 for t in times],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "vm_hwm_mb": vm_hwm_mb(),
    }
    print(json.dumps(figures))


def pair_child(first: str, second: str, source: Path, pairs: int) -> None:
    """Time two variants alternately in this process; print the median of their time ratios."""
    data = source.read_bytes()
    runs = {first: VARIANTS[first](data), second: VARIANTS[second](data)}
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {first: [], second: []}
    for index in range(pairs):
        for name in (first, second) if index % 2 else (second, first):
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    ratios = [a / b for a, b in zip(times[first], times[second], strict=True)]
    print(json.dumps({"ratio": statistics.median(ratios)}))


def vm_hwm_mb() -> float:
    """Return this process's own peak RSS, to cross-check ru_maxrss."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def run_child(*arguments: str) -> dict:
    """Run this script in a fresh interpreter with arguments; return the JSON it prints."""
    command = [sys.executable, __file__, *arguments]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def measure(source: Path, rounds: int, repetitions: int) -> dict[str, dict[str, float]]:
    """Run every variant in fresh interpreters, round-robin; return median time and peak RSS."""
    # Round-robin spreads drift (CPU clocks, other load on the machine) over all variants
    # instead of charging it to whichever ran during it.
    samples: dict[str, list[dict]] = {name: [] for name in VARIANTS}
    for _ in range(rounds):
        for name in VARIANTS:
            arguments = ["--child", name, "--source", str(source)]
            samples[name].append(run_child(*arguments, "--repetitions", str(repetitions)))
    return {
        name: {
            "median_ms": statistics.median(t for run in runs for t in run["times_ms"]),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
            "vm_hwm_mb": max(run["vm_hwm_mb"] for run in runs),
        }
        for name, runs in samples.items()
    }


# Ratios close to 1 drown in the few per cent that separate processes differ by; these are
# also timed alternately in one process, whose paired ratio is the precise figure.
PAIRS = (("clean_photo", "floor_dct"), ("clean_photo", "floor"))


def measure_pairs(source: Path, pairs: int) -> dict[str, float]:
    """Return the paired time ratio for each of PAIRS."""
    return {
        f"{first} / {second}": run_child(
            "--pair", first, second, "--source", str(source), "--repetitions", str(pairs)
        )["ratio"]
        for first, second in PAIRS
    }


def ratios(figures: dict[str, dict[str, float]], paired: dict[str, float]) -> dict[str, float]:
    """Return the ratios the goals and the docs talk about."""
    ms = {name: values["median_ms"] for name, values in figures.items()}
    return {
        "clean_photo / floor_dct (separate processes)": ms["clean_photo"] / ms["floor_dct"],
        "clean_photo / floor_dct (paired, one process)": paired["clean_photo / floor_dct"],
        "clean_photo / floor (paired)": paired["clean_photo / floor"],
        "floor / floor_dct": ms["floor"] / ms["floor_dct"],
        "clean_photo / pillow_defaults": ms["clean_photo"] / ms["pillow_defaults"],
        "full_decode / thumb_step_in_clean": ms["full_decode"] / ms["thumb_step_in_clean"],
        "full_decode / make_thumbnail": ms["full_decode"] / ms["make_thumbnail"],
        "thumb_no_draft / make_thumbnail": ms["thumb_no_draft"] / ms["make_thumbnail"],
    }


def verdicts(table: dict[str, float], peak_rss_mb: float) -> list[tuple[str, bool]]:
    """Return each goal with whether it was met."""
    faster = f">= {GOAL_THUMB_SPEEDUP:.0f}x faster than a full decode"
    return [
        (
            f"clean_photo / floor_dct <= {GOAL_CLEAN_OVER_FLOOR} (paired)",
            table["clean_photo / floor_dct (paired, one process)"] <= GOAL_CLEAN_OVER_FLOOR,
        ),
        # clean_photo makes its thumbnail from the pixels it has already reduced;
        # make_thumbnail decodes the file again at 1/8 DCT scale. Both are judged.
        (
            f"thumbnail step in clean_photo {faster}",
            table["full_decode / thumb_step_in_clean"] >= GOAL_THUMB_SPEEDUP,
        ),
        (
            f"make_thumbnail {faster}",
            table["full_decode / make_thumbnail"] >= GOAL_THUMB_SPEEDUP,
        ),
        (f"clean_photo peak RSS < {GOAL_PEAK_RSS_MB:.0f} MB", peak_rss_mb < GOAL_PEAK_RSS_MB),
    ]


def report(
    figures: dict[str, dict[str, float]], table: dict[str, float], source_bytes: int
) -> list[tuple[str, bool]]:
    """Print the figures, the ratios and a verdict per goal; return the verdicts."""
    print(
        f"source: {SOURCE_SIZE[0]}x{SOURCE_SIZE[1]} JPEG with EXIF and GPS, "
        f"{source_bytes / 1e6:.1f} MB; output within {FULL_SIDE} px q{QUALITY}, "
        f"thumb {THUMB_SIDE} px"
    )
    print(f"{'variant':<22}{'median ms':>11}{'peak RSS MB':>13}{'VmHWM MB':>10}")
    for name, values in figures.items():
        print(
            f"{name:<22}{values['median_ms']:>11.1f}{values['peak_rss_mb']:>13.1f}"
            f"{values['vm_hwm_mb']:>10.1f}"
        )
    for label, value in table.items():
        print(f"{label:<44}{value:>6.2f}")
    results = verdicts(table, figures["clean_photo"]["peak_rss_mb"])
    for goal, passed in results:
        print(f"{'PASS' if passed else 'FAIL'}  {goal}")
    return results


def markdown(figures: dict[str, dict[str, float]], table: dict[str, float]) -> None:
    """Print the figures as Markdown tables for docs/benchmarks.md."""
    print(
        f"\nMeasured {date.today().isoformat()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Pillow {Image.__version__}, "
        f"libjpeg-turbo {features.version('libjpeg_turbo')}.\n"
    )
    print("| variant | median ms | peak RSS MB |\n| --- | ---: | ---: |")
    for name, values in figures.items():
        print(f"| `{name}` | {values['median_ms']:.1f} | {values['peak_rss_mb']:.1f} |")
    print("\n| ratio | value |\n| --- | ---: |")
    for label, value in table.items():
        print(f"| {label} | {value:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per variant")
    parser.add_argument("--repetitions", type=int, default=5, help="timed runs per process")
    parser.add_argument("--pairs", type=int, default=20, help="alternating runs per pair")
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any goal fails")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--pair", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make-source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.source, args.repetitions)
        return 0
    if args.pair:
        pair_child(*args.pair, args.source, args.repetitions)
        return 0
    if args.make_source:
        make_source(args.make_source)
        return 0
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "phone.jpg"
        # Made in a child as well: a child's ru_maxrss starts from its parent's, so this
        # process stays small for the children's figures to be their own.
        subprocess.run([sys.executable, __file__, "--make-source", str(source)], check=True)
        figures = measure(source, args.rounds, args.repetitions)
        table = ratios(figures, measure_pairs(source, args.pairs))
        results = report(figures, table, source.stat().st_size)
    if args.markdown:
        markdown(figures, table)
    failed = not all(passed for _, passed in results)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
