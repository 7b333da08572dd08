"""A minimal PNG line-plot writer (standard library only), so the example
needs no plotting package."""
import struct
import zlib


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path, pixels, width, height):
    """pixels: rows of (r, g, b) tuples."""
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(_chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(_chunk(b"IEND", b""))


def plot_line(path, values, width=640, height=360, margin=30):
    """Plots `values` against their index: axes in grey, the curve in blue."""
    img = [[(255, 255, 255)] * width for _ in range(height)]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    for x in range(margin, width - margin):
        img[height - margin][x] = (160, 160, 160)
    for y in range(margin, height - margin + 1):
        img[y][margin] = (160, 160, 160)

    def to_px(i, v):
        x = margin + round(i * (width - 2 * margin - 1) / max(len(values) - 1, 1))
        y = height - margin - round((v - lo) / span * (height - 2 * margin - 1))
        return x, y

    prev = None
    for i, v in enumerate(values):
        cur = to_px(i, v)
        if prev is not None:
            steps = max(abs(cur[0] - prev[0]), abs(cur[1] - prev[1]), 1)
            for s in range(steps + 1):
                x = prev[0] + (cur[0] - prev[0]) * s // steps
                y = prev[1] + (cur[1] - prev[1]) * s // steps
                for dy in (0, 1):
                    if 0 <= y + dy < height:
                        img[y + dy][x] = (31, 90, 200)
        prev = cur
    write_png(path, img, width, height)
