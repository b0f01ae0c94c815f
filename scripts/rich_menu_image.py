"""Draw the rich menu image that ships in reporting/line/rich_menu.png (2500 x 843 px).

    .venv/bin/python scripts/rich_menu_image.py [OUTPUT]

Three panels, as reporting/line/rich_menu.py lays out its tap areas: 通報する (a camera),
状況 (a list) and ヘルプ (a question mark). The labels need a Japanese font: Noto Sans CJK JP
(Debian's fonts-noto-cjk), found with fc-match.
"""

import subprocess
import sys
from pathlib import Path

from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont

WIDTH, HEIGHT = 2500, 843
PANELS = (("通報する", "#0b6e4f"), ("状況", "#1f4e79"), ("ヘルプ", "#5a5a5a"))
OUTPUT = Path(__file__).resolve().parents[1] / "reporting" / "line" / "rich_menu.png"


def font(size: int) -> ImageFont.FreeTypeFont:
    path = subprocess.run(
        ["fc-match", "-f", "%{file}", "Noto Sans CJK JP:style=Bold"],
        capture_output=True, text=True, check=True,
    ).stdout
    return ImageFont.truetype(path, size, index=0)


def camera(draw: ImageDraw.ImageDraw, cx: int, cy: int) -> None:
    draw.rounded_rectangle((cx - 150, cy - 95, cx + 150, cy + 115), 30, outline="white", width=22)
    draw.rectangle((cx - 60, cy - 135, cx + 60, cy - 95), fill="white")
    draw.ellipse((cx - 62, cy - 52, cx + 62, cy + 72), outline="white", width=22)


def listing(draw: ImageDraw.ImageDraw, cx: int, cy: int) -> None:
    for row in range(3):
        y = cy - 90 + row * 95
        draw.ellipse((cx - 150, y - 18, cx - 114, y + 18), fill="white")
        draw.rounded_rectangle((cx - 80, y - 14, cx + 150, y + 14), 14, fill="white")


def question(draw: ImageDraw.ImageDraw, cx: int, cy: int) -> None:
    draw.ellipse((cx - 135, cy - 135, cx + 135, cy + 135), outline="white", width=22)
    draw.text((cx, cy + 8), "?", font=font(200), fill="white", anchor="mm")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    label = font(120)
    width = WIDTH // len(PANELS)
    icons = (camera, listing, question)
    for i, ((text, colour), icon) in enumerate(zip(PANELS, icons, strict=True)):
        left = i * width
        right = WIDTH if i == len(PANELS) - 1 else left + width
        draw.rectangle((left + 8, 8, right - 8, HEIGHT - 8), fill=colour)
        icon(draw, (left + right) // 2, 300)
        draw.text(((left + right) // 2, 640), text, font=label, fill="white", anchor="mm")
    image.quantize(colors=16).save(out, optimize=True)
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
