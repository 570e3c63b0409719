#!/bin/sh
# loading.sh — a fast first frame (issue 10, item 7): the data set loads on the trainer
# thread while the screen is already up, and the status line says how far it is
# ("loading Fashion-MNIST 60 %") until training starts; a load that fails clears it and
# says why. Needs the full Fashion-MNIST (Debian's dataset-fashion-mnist) for a load long
# enough to see; the bundled subset loads too fast.
. "${srcdir:-.}/tests/tui/lib.sh"
FULL=/usr/share/datasets/fashion-mnist

for size in 80x24 200x60; do
	if [ ! -f "$FULL/train-images-idx3-ubyte.gz" ]; then
		echo "no full Fashion-MNIST in $FULL: the progress line is not checked"
		break
	fi
	start "${size%x*}" "${size#*x}" GGLAB_DATA="$FULL" --
	expect_line 1 "loading Fashion-MNIST [0-9]+ %" "$size: the screen is up while the data loads, and says so"
	expect_line 1 "RUNNING" "$size: then the default setup trains"
	check "$size: the progress line is gone" sh -c "! tmux -L '$SOCK' -f /dev/null capture-pane -p -t t | head -1 | grep -q loading"
	type_line quit
	expect_screen "gglab-exit=0" "$size: quit"
done

# a broken data set: the progress line goes, the error stays
mkdir -p "$TMP/broken"
head -c 5000 "$srcdir/data/fashion-mini/train-images-idx3-ubyte.gz" >"$TMP/broken/train-images-idx3-ubyte.gz"
for f in train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
	cp "$srcdir/data/fashion-mini/$f" "$TMP/broken/"
done
start 80 24 GGLAB_DATA="$TMP/broken" --
expect_screen "train-images-idx3-ubyte.gz: corrupt" "a broken file is reported"
check "no progress line is left" sh -c "! tmux -L '$SOCK' -f /dev/null capture-pane -p -t t | head -1 | grep -q loading"
type_line quit
expect_screen "gglab-exit=" "quit"
finish
