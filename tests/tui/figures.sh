#!/bin/sh
# figures.sh — export svg and report from the screen: "the current panel" is the one the
# view shows large, drawn with the screen's view (x axis, log y, the metric); the log says
# what was written; a bad path is an error in the log and the screen goes on.
. "${srcdir:-.}/tests/tui/lib.sh"

cat >"$TMP/s.gg" <<EOF
data xor n=200
model mlp 8x1
train 150
EOF
start 100 30 -- --seed 3 -x "$TMP/s.gg"
expect_screen "script done" "the script trains"

type_line "view dist"
type_line "export svg $TMP/cur.svg"
expect_screen "wrote the dist panel to $TMP/cur.svg" "export svg writes the view's large panel"
check "it is the distance panel, its fit" grep -q 'class="fit"' "$TMP/cur.svg"
check "on its log-steps axis" grep -q '>log steps</text>' "$TMP/cur.svg"

type_line "view loss; xaxis epochs; logy off; metric err"
type_line "export svg $TMP/err.svg"
expect_screen "wrote the loss panel to $TMP/err.svg" "the loss panel"
check "with the screen's x axis" grep -q '>epochs</text>' "$TMP/err.svg"
check "its metric and linear y" grep -q 'font-weight="bold">error rate<' "$TMP/err.svg"

type_line "export svg $TMP/b.svg boundary"
expect_screen "wrote the boundary panel to $TMP/b.svg" "a panel by name"
check "the boundary's regions" grep -q 'class="regions"' "$TMP/b.svg"

type_line "report $TMP/r.html"
expect_screen "wrote the report" "report writes the page"
check "the page has every figure" test "$(grep -c '<svg xmlns' "$TMP/r.html")" -eq 5

type_line "export svg $TMP/missing/x.svg"
expect_screen "does not exist: create it" "a missing directory is an error in the log"
type_line "quit"
expect_screen "gglab-exit=0" "the screen went on and quits"
finish
