#!/bin/sh
# commands.sh — the prompt: `set lr 0.2` is acknowledged with its step and marked on the
# plot; bad commands show an error with usage and change nothing; help (screen and one
# command); Tab completion; Ctrl-C clears the line; history is written; Ctrl-D quits.
. "${srcdir:-.}/tests/tui/lib.sh"

start 80 24 --
expect_screen "RUNNING" "training starts"
type_line "train" # until paused: the default's 40 epochs could end before Ctrl-C below

type_line "set lr 0.2"
expect_screen "lr 0.1 -> 0.2 @ step" "set is acknowledged with its step"
expect_screen "lr 0.1->0.2" "the change is marked on the plot"
wait_for "lr 0.2  " 5 >/dev/null
case "$(line 1)" in *"lr 0.2"*) pass ;; *) fail "status shows the new lr: $(line 1)" ;; esac

# bad input: an error, the usage, and nothing changes
type_line "set lr abc"
expect_screen "lr: 'abc' is not a number" "a bad value is refused"
expect_screen "usage: set " "with the usage"
type_line "set lr 0.5 bs 0"
expect_screen "bs=0 is out of range" "a bad multi-setting is refused"
type_line "frobnicate 3"
expect_screen "unknown command 'frobnicate'" "an unknown command is refused"
sleep 0.3
case "$(line 1)" in *"lr 0.2"*"RUNNING"*) pass ;; *) fail "status unchanged after bad commands: $(line 1)" ;; esac
check "the bad multi-setting changed nothing" sh -c "! tmux -L $SOCK -f /dev/null capture-pane -p -t t | grep -q 'lr 0.2 -> 0.5'"

# help for one command in the log; the help screen and its closing
type_line "help zoom"
expect_screen "usage: zoom N|all" "help COMMAND shows the usage in the log"
type_line "help"
expect_screen "gglab help" "help opens the help screen"
expect_screen "this help" "the help screen lists the keys"
tm send-keys -t t Escape
wait_gone "gglab help" 5
expect_screen "loss (log)" "Esc closes the help screen"
tm send-keys -t t F1
expect_screen "gglab help" "F1 opens the help screen"
tm send-keys -t t q
wait_gone "gglab help" 5 && pass || fail "a key closes the help screen"

# screen commands and keys
type_line "view gap"
expect_screen "generalization gap" "view gap shows the gap plot"
type_line "view auto; metric err; logy off"
expect_screen "error rate" "metric err plots error rates"
type_line "zoom 100"
expect_screen "last 100" "zoom shows the last N steps"
type_line "plot nosuch"
expect_screen "no series named 'nosuch'" "plot refuses an unknown series"
# a view changes the layout before the next frame, and a command after it on the line
# already knows the new layout (the loop performs the request, not the command)
type_line "view inst; plot wnorm"
expect_screen "instruments: 1 series" "plot in view inst"
type_line "view auto; plot grad_norm"
expect_screen "not on screen at this size" "plot after view auto knows the instruments panel is gone"

# Tab completion
tm send-keys -t t -l "sm"
tm send-keys -t t Tab
wait_for "gglab> smooth" 5 && pass || fail "Tab completes a command name: $(prompt_line)"
tm send-keys -t t C-u
tm send-keys -t t -l "set mom"
tm send-keys -t t Tab
wait_for "gglab> set momentum" 5 && pass || fail "Tab completes a setting: $(prompt_line)"
tm send-keys -t t C-u
tm send-keys -t t -l "model mlp 8x1 norm=g"
tm send-keys -t t Tab
wait_for "gglab> model mlp 8x1 norm=gbn" 5 && pass || fail "Tab completes an option's value: $(prompt_line)"
tm send-keys -t t C-u
tm send-keys -t t -l "run use "
tm send-keys -t t Tab
wait_for "gglab> run use r1" 5 && pass || fail "Tab completes a run name: $(prompt_line)"

# Ctrl-C clears the line and stops nothing
tm send-keys -t t C-c
wait_for "type help or press F1" 5 && pass || fail "Ctrl-C clears the line: $(prompt_line)"
sleep 0.5
case "$(line 1)" in *RUNNING*) pass ;; *) fail "Ctrl-C does not stop training: $(line 1)" ;; esac

# Ctrl-R finds an earlier line
tm send-keys -t t C-r
tm send-keys -t t -l "lr 0."
wait_for "reverse-i-search" 5 && pass || fail "Ctrl-R searches the history: $(prompt_line)"
tm send-keys -t t C-g
wait_for "type help or press F1" 5 >/dev/null

# pause: F2, then the state shows
tm send-keys -t t F2
expect_screen "PAUSED" "F2 pauses"

# Ctrl-D on the empty line leaves
tm send-keys -t t C-d
expect_screen "gglab-exit=0" "Ctrl-D on an empty line quits"
check "history is kept" grep -qx "set lr 0.2" "$TMP/state/gglab/history"
check "bad lines are in the history too" grep -qx "frobnicate 3" "$TMP/state/gglab/history"
check "no errors on stderr" clean_stderr
finish
