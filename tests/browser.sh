#!/bin/sh
# browser.sh — the report in a real browser: Debian's chromium renders a report of a short
# seeded batch run headless to a PNG (skipped with a message when chromium is absent), and
# the picture is read back (python3's zlib, no imaging library): not blank, with the runs'
# curves in their colours — what a browser drew from the inline SVG, not just the text.
. "${srcdir:-.}/tests/lib.sh"

browser=""
for b in chromium chromium-browser; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
	echo "skip: chromium not installed (Debian: apt-get install chromium); the report was not rendered"
	exit 77
fi

two_runs "$TMP/r.gg"
echo "report $TMP/report.html" >>"$TMP/r.gg"
run_gglab --batch "$TMP/r.gg" --threads 1 --seed 5
expect_rc 0 "the batch run writes its report"

# its own profile in the temporary directory; --no-sandbox because CI runs as root
t0=$(date +%s)
HOME=$TMP timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$TMP/profile" --window-size=1000,1100 --screenshot="$TMP/report.png" \
	"file://$TMP/report.html" >"$TMP/browser.out" 2>&1
rc=$?
echo "chromium rendered the report in $(( $(date +%s) - t0 )) s"
check "chromium renders the report (status $rc)" test "$rc" -eq 0
check "a screenshot was written" test -s "$TMP/report.png"

if ! command -v python3 >/dev/null 2>&1; then
	echo "skip: python3 not installed: the screenshot's pixels were not checked"
	finish
	exit $?
fi
# share of non-white pixels, and pixels of the first two runs' colours (#0072B2, #D55E00)
python3 - "$TMP/report.png" >"$TMP/pixels" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
ink = blue = orange = 0
for line in rows:
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        ink += (r, g, b) != (255, 255, 255)
        blue += abs(r - 0) < 40 and abs(g - 114) < 40 and abs(b - 178) < 40
        orange += abs(r - 213) < 40 and abs(g - 94) < 40 and abs(b - 0) < 40
print(w * h, ink, blue, orange)
EOF
check "the screenshot could be read" test -s "$TMP/pixels"
read -r total ink blue orange <"$TMP/pixels"
echo "screenshot: $total pixels, $ink not white, $blue of r1's colour, $orange of big's"
check "the page is not blank" test "$ink" -gt $((total / 50))
check "r1's curves were drawn" test "$blue" -gt 300
check "big's curves were drawn" test "$orange" -gt 300
finish
