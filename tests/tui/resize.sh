#!/bin/sh
# resize.sh — 80×24 → 200×60 → 60×20 → 80×24 while a line is half typed: each size
# redraws cleanly (more panels when larger, the "too small" notice below 80×24) and the
# line survives every step.
. "${srcdir:-.}/tests/tui/lib.sh"

start 80 24 --
expect_screen "RUNNING" "training starts"
expect_screen "loss (log)" "the loss plot at 80x24"
check "no gap plot at 80x24" sh -c "! tmux -L $SOCK -f /dev/null capture-pane -p -t t | grep -q 'generalization gap'"
tm send-keys -t t -l "set bs 6"
wait_for "gglab> set bs 6" 5 >/dev/null

tm resize-window -t t -x 200 -y 60
expect_screen "generalization gap" "200x60 shows the gap plot"
expect_screen "distance from init" "200x60 shows the distance plot"
expect_screen "instruments" "200x60 shows the instruments"
expect_screen "fashion n=2000" "the status line has room for the data set"
case "$(prompt_line)" in "gglab> set bs 6"*) pass ;; *) fail "the line survives 200x60: $(prompt_line)" ;; esac
check "200 columns used" test "$(screen | LC_ALL=C.UTF-8 wc -L)" -gt 150

tm resize-window -t t -x 60 -y 20
expect_screen "terminal too small: need 80×24, have 60×20" "below 80x24 a notice"
case "$(prompt_line)" in "gglab> set bs 6"*) pass ;; *) fail "the line survives 60x20: $(prompt_line)" ;; esac
if has_braille; then fail "no plot on the notice"; screen >&2; else pass; fi

tm resize-window -t t -x 80 -y 24
expect_screen "loss (log)" "back at 80x24 the loss plot returns"
wait_gone "too small" 5 && pass || fail "the notice goes away"
case "$(prompt_line)" in "gglab> set bs 6"*) pass ;; *) fail "the line survives 80x24: $(prompt_line)" ;; esac
case "$(line 1)" in *step*RUNNING* | *step*PAUSED*) pass ;; *) fail "status line after resizing: $(line 1)" ;; esac # the default may have done its 40 epochs
check "no line is wider than the screen" test "$(screen | LC_ALL=C.UTF-8 wc -L)" -le 80

# the half-typed line still runs
tm send-keys -t t Enter
expect_screen "bs 128 -> 6 @ step" "the preserved line runs"

# quit typed at the "too small" notice works too
tm resize-window -t t -x 70 -y 20
expect_screen "terminal too small" "the notice again"
type_line quit
expect_screen "gglab-exit=0" "quit from the notice"
check "no errors on stderr" clean_stderr
finish
