#!/bin/sh
# runs.sh — several runs on one screen: a run and its fork are overlaid with a legend that
# names both and the status line names the current one; `run use` switches it; `run drop`
# takes a run off the plot; the status line says which set its numbers come from; `gglab --view` shows a file's runs, in a lab with no runs of its
# own (`train` says so); `view inst` without instruments says how to get them; `view boundary` draws the
# decision boundary of a 2-D data set with every class's points and explains itself on fashion.
. "${srcdir:-.}/tests/tui/lib.sh"

printf '%s\n' 'data spiral n=500; model mlp 16x2; train 300; fork; set lr 0.01; train -a 200' \
	>"$TMP/two.gg"
start 80 24 -- -x "$TMP/two.gg"
expect_screen "script done" "the script runs"
expect_screen "r1.f1 reached its goal" "the fork trains"
# row 2 is the loss plot's title row, with the legend at its right end: each run's latest
# test loss (the gap plot: its latest gap)
expect_line 2 ' r1 [-0-9.e]+  .* r1\.f1 [-0-9.e]+( |$)' "the legend names both runs"
expect_line 1 '^ r1\.f1  \+1 run ' "the status line names the current run (the fork)"
has_braille && pass || fail "braille curves for two runs"
# the status line names the set its numbers come from: the evaluation subsets, then after
# `eval` the full sets (first, with their standard errors under `metric err`)
expect_line 1 ' sub(set)? train [0-9.]+  test [0-9.]+  gap ' "the status line: the subsets' numbers, labelled"
type_line "eval"
expect_line 1 ' full train [0-9.]+  test [0-9.]+  gap ' "after eval: the full sets' numbers, labelled"
type_line "metric err"
expect_line 1 ' full train [0-9.]+% ±[0-9.]+  test [0-9.]+% ±[0-9.]+  gap ' "with their standard errors"
type_line "metric loss"

type_line "run use r1"
expect_line 1 '^ r1  \+1 run ' "run use: the status line names the new current run"
type_line "view boundary"
expect_line 2 'decision boundary .* r1 .*step 500.*train err' "view boundary: the run, its step and errors"
if screen | grep -q '▀'; then pass; else fail "view boundary draws a half-block map"; screen >&2; fi
# every class has its points (a stride over all points once showed one spiral arm only):
# besides the legends' few glyphs, many of each class
n0=$(screen | grep -o '●' | wc -l) n1=$(screen | grep -o '○' | wc -l)
if [ "$n0" -ge 12 ] && [ "$n1" -ge 12 ]; then pass; else fail "view boundary: class 0 has $n0 points, class 1 $n1"; screen >&2; fi
type_line "view gap"
expect_line 2 ' r1 [-0-9.e]+  .* r1\.f1 [-0-9.e]+( |$)' "the gap plot names both runs"
type_line "view auto"

type_line "run drop r1.f1"
expect_screen "run r1.f1 dropped" "the fork is dropped"
expect_line 2 'train .*test' "one run again: the train/test legend"
if wait_line 2 'r1\.f1' 2; then fail "a dropped run stays in the legend: $(line 2)"; else pass; fi
case "$(line 1)" in *"+1 run"*) fail "a dropped run is still counted: $(line 1)" ;; *) pass ;; esac
type_line quit
expect_screen "gglab-exit=0" "quit"
check "no errors on stderr" clean_stderr

# --view: the file's two runs, and no run of the lab's own
"$GGLAB" --threads 1 -c "data spiral n=500; model mlp 16x2; train 100; fork; set lr 0.01; train -a 50; export jsonl $TMP/two.jsonl" \
	>"$TMP/out" 2>&1
check "export jsonl for --view" test -s "$TMP/two.jsonl"
start 80 24 -- --view "$TMP/two.jsonl"
expect_screen "viewing 1 file (2 runs)" "--view opens the file"
expect_line 2 ' r1 [-0-9.e]+  .* r1\.f1 [-0-9.e]+( |$)' "--view: the legend names the file's runs"
expect_line 1 '^ r1  \+1 run ' "--view: the two runs of the file, no other"
type_line "train 10"
expect_screen "no run: train needs one" "--view: train says there is no run"
type_line "view inst"
expect_screen "no instruments yet: NAIS margins need a nais model" "view inst without instruments says so"
expect_screen "grad_norm" "and plots the norms meanwhile"
type_line quit
expect_screen "gglab-exit=0" "quit the view"

# every class's points on the default spiral (1000 points, classes alternating: a stride of
# 2 over them once kept one arm only)
echo 'data spiral; model mlp 16x2; train 100; view boundary' >"$TMP/spiral.gg"
start 200 50 -- -x "$TMP/spiral.gg"
expect_screen "script done" "view boundary of the default spiral"
n0=$(screen | grep -o '●' | wc -l) n1=$(screen | grep -o '○' | wc -l)
if [ "$n0" -ge 12 ] && [ "$n1" -ge 12 ]; then pass; else fail "spiral: class 0 has $n0 points, class 1 $n1"; screen >&2; fi
# error rates on a log axis stop at the evaluation's resolution, the title says what they
# were measured on, the status line gives their standard errors
type_line "view auto; metric err; logy on"
expect_line 2 'error rate \(log, floor 1/[0-9]+\)' "a log axis of error says its floor"
expect_line 2 "on eval subsets of [0-9]+" "the loss panel says the curves are on the evaluation subsets"
expect_line 1 'test [0-9.]+% ±[0-9.]+' "the status line: test error ± its standard error"
# where the recipe scales the lr, the status line says the lr used and how
type_line "recipe hoffer base=64"
expect_line 1 'lr 0\.1414 \(base 0\.1 × √\(128/64\)\)' "the status line: the scaled lr and its base"
type_line quit
expect_screen "gglab-exit=0" "quit"

# view boundary on a data set that is not 2-D
start 80 24 --
expect_screen "RUNNING" "the default setup trains"
type_line "view boundary"
expect_screen "view boundary needs a 2-D data set" "view boundary on fashion explains"
expect_screen "this run uses fashion" "and names the run's data"
type_line quit
expect_screen "gglab-exit=0" "quit"
check "no errors on stderr" clean_stderr
finish
