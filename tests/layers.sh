#!/bin/sh
# layers.sh — layers, not circles: no two files of one folder call each other in a circle,
# and no two folders of src/ do. From the compiled objects of the library (the sources
# Makefile.am lists, so a stale object of a removed file does not count) read with nm:
# file A depends on file B when A uses a symbol B defines. A failure prints each cycle.
. "${srcdir:-.}/tests/lib.sh"

build=$(dirname "$GGLAB")
objs=$(sed -n '/^libgglab_a_SOURCES/,/^[^	]/p' "$srcdir/Makefile.am" | tr ' \t\\' '\n\n\n' |
	sed -n 's|^\(src/[a-z_]*/[a-z_0-9]*\)\.c$|\1.o|p')
check "the library's objects are built" test -n "$objs"
for o in $objs; do
	[ -e "$build/$o" ] || { fail "$o is not built"; continue; }
	f=${o#src/}
	f=${f%.o}
	nm -g --defined-only "$build/$o" | awk -v f="$f" 'NF == 3 { print "D", f, $3 }'
	nm -u "$build/$o" | awk -v f="$f" '{ print "U", f, $NF }'
done >"$TMP/syms"

# cycles DEPS: lines "a b" (a depends on b) in; lines "a: the nodes in a circle with a" out
cycles() {
	awk '
		{ dep[$1, $2] = 1; nodes[$1] = 1; nodes[$2] = 1 }
		END {
			for (m in nodes) for (a in nodes) for (b in nodes)
				if ((a, m) in dep && (m, b) in dep)
					dep[a, b] = 1
			for (a in nodes)
				if ((a, a) in dep) {
					line = a ":"
					for (b in nodes)
						if (b != a && (a, b) in dep && (b, a) in dep)
							line = line " " b
					print line
				}
		}' | sort
}
awk 'NR == FNR { if ($1 == "D") def[$3] = $2; next }
	$1 == "U" && ($3 in def) && def[$3] != $2 { print $2, def[$3] }' "$TMP/syms" "$TMP/syms" |
	sort -u >"$TMP/edges"

for folder in $(cut -d/ -f1 "$TMP/edges" | sort -u); do
	c=$(awk -v d="$folder" 'index($1, d "/") == 1 && index($2, d "/") == 1' "$TMP/edges" | cycles)
	if [ -z "$c" ]; then
		pass
	else
		fail "src/$folder has files calling each other in a circle:
$c"
	fi
done

awk '{ split($1, a, "/"); split($2, b, "/"); if (a[1] != b[1]) print a[1], b[1] }' "$TMP/edges" |
	sort -u >"$TMP/folders"
cycles <"$TMP/folders" >"$TMP/fcycles"
bad=""
seen=""
while read -r a rest; do
	a=${a%:}
	for b in $rest; do
		case " $seen " in *" $b:$a "*) continue ;; esac
		seen="$seen $a:$b"
		bad="$bad $a<->$b"
	done
done <"$TMP/fcycles"
check "no two folders call each other in a circle:$bad" test -z "$bad"
finish
