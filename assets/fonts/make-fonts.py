#!/usr/bin/python3
"""make-fonts.py - rebuild assets/fonts/ from Debian's font packages.

Run with Debian's python3 (python3-fonttools installed):
    apt-get install fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji python3-fonttools
    /usr/bin/python3 assets/fonts/make-fonts.py

Copies the Noto Sans faces unchanged and cuts the Noto Sans CJK JP face out of the
Pan-CJK collection (index 0 of NotoSansCJK-{Regular,Bold}.ttc) with a subset:
JIS X 0208 (kana + 6,355 kanji + symbols), the 2010 Joyo additions, CJK punctuation,
full/half-width forms, enclosed CJK, and all of modern Hangul (syllables + jamo), so
one face covers Japanese and Korean.  All OpenType layout features are kept."""
import os
import shutil
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

NOTO = "/usr/share/fonts/truetype/noto"
CJK = "/usr/share/fonts/opentype/noto"
OUT = os.path.dirname(os.path.abspath(__file__))

COPY = [
    "NotoSans-Regular.ttf", "NotoSans-Bold.ttf",
    "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf",
    "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf",
    "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf",
    "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf",
    "NotoColorEmoji.ttf",
]

RANGES = [
    (0x0020, 0x007E),    # ASCII (so a CJK run's spaces/digits shape in-font)
    (0x00A0, 0x00FF),    # Latin-1 punctuation
    (0x1100, 0x11FF),    # Hangul Jamo
    (0x2000, 0x206F),    # General punctuation
    (0x2190, 0x21FF),    # Arrows
    (0x2460, 0x24FF),    # Enclosed alphanumerics (circled numbers)
    (0x25A0, 0x25FF),    # Geometric shapes
    (0x3000, 0x303F),    # CJK symbols and punctuation
    (0x3040, 0x309F),    # Hiragana
    (0x30A0, 0x30FF),    # Katakana
    (0x3130, 0x318F),    # Hangul compatibility jamo
    (0x31F0, 0x31FF),    # Katakana phonetic extensions
    (0x3200, 0x32FF),    # Enclosed CJK letters and months
    (0x3300, 0x33FF),    # CJK compatibility (units)
    (0xA960, 0xA97F),    # Hangul Jamo extended-A
    (0xAC00, 0xD7A3),    # Hangul syllables
    (0xD7B0, 0xD7FF),    # Hangul Jamo extended-B
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFFEF),    # Half-width and full-width forms
]
EXTRA = [0x20B9F, 0x5861, 0x525D, 0x9830, 0x3005, 0x3006, 0x303B]  # 2010 Joyo, 々 〆 〻


def jis_x_0208():
    cps = set()
    for row in range(0xA1, 0xF5):
        for cell in range(0xA1, 0xFF):
            try:
                s = bytes([row, cell]).decode("euc_jp")
            except UnicodeDecodeError:
                continue
            if len(s) == 1:
                cps.add(ord(s))
    return cps


def cjk_subset(ttc, out):
    coll = TTCollection(ttc)
    font = coll.fonts[0]  # Noto Sans CJK JP
    assert "CJK JP" in font["name"].getDebugName(4), font["name"].getDebugName(4)
    cps = jis_x_0208() | set(EXTRA)
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.glyph_names = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(cps))
    sub.subset(font)
    font.save(out)
    print(f"{out}: {len(cps)} code points requested, {os.path.getsize(out)} bytes")


def main():
    for name in COPY:
        src = os.path.join(NOTO, name)
        shutil.copyfile(src, os.path.join(OUT, name))
        print(f"copied {name}")
    cjk_subset(os.path.join(CJK, "NotoSansCJK-Regular.ttc"),
               os.path.join(OUT, "NotoSansCJKjp-Subset-Regular.otf"))
    if "--cjk-bold" in sys.argv[1:]:
        # Not shipped by default (+6.7 MB); fontchain emboldens the Regular face
        # when no -Bold file exists.
        cjk_subset(os.path.join(CJK, "NotoSansCJK-Bold.ttc"),
                   os.path.join(OUT, "NotoSansCJKjp-Subset-Bold.otf"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
