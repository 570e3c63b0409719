#!/bin/sh
# badinput.sh — every kind of bad input gets a clear message, the right exit status, and
# changes nothing: 2 for usage and parse errors (nothing runs), 1 for run-time errors.
. "${srcdir:-.}/tests/lib.sh"

# unknown command, wrong or missing argument, out-of-range values: parse errors, exit 2
for case in \
	"frobnicate|unknown command 'frobnicate'" \
	"set lr|missing argument" \
	"set lr 0|lr=0 is out of range" \
	"set lr -0.5|lr=-0.5 is out of range" \
	"set bs 0|bs=0 is out of range" \
	"model mlp 0x2|width 0 is out of range" \
	"data fashion noise=1.5|noise=1.5 is out of range" \
	"data fashion noise=-1|noise=-1 is out of range" \
	"train ten|'ten' is not a number" \
	"e|ambiguous command 'e': could be eval, export, every"; do
	cmd=${case%%|*}
	msg=${case#*|}
	run_gglab -c "$cmd"
	expect_rc 2 "-c '$cmd'"
	expect_err "$msg" "-c '$cmd'"
	expect_err "nothing was run" "-c '$cmd' runs nothing"
done
run_gglab -c "set lr"
expect_err "usage: set [-a] KEY VALUE" "an argument error shows the usage"

# bs larger than the training set is known only once data is loaded: a run-time error
run_gglab -c "data spiral n=100; set bs 101"
expect_rc 1 "bs larger than the training set"
expect_err "bs=101 is larger than the training set (100 examples)" "message for a too-large bs"

# an error on the last line: nothing of the script runs
cat >"$TMP/bad.gg" <<GG
data xor n=100
export csv $TMP/should-not-exist.csv
train 10
set lr 0
GG
run_gglab --batch "$TMP/bad.gg"
expect_rc 2 "a script with an error on its last line"
expect_err "$TMP/bad.gg:4: lr=0 is out of range" "file:line of the error"
expect_err "usage: set [-a] KEY VALUE" "the usage comes with it"
check "nothing of the script ran" test ! -e "$TMP/should-not-exist.csv"
run_gglab --check "$TMP/bad.gg"
expect_rc 2 "--check of a bad script"
expect_err "$TMP/bad.gg:4:" "--check names the line"

# every error of a script is reported, not just the first
printf 'set lr 0\nfrob\nset bs -1\n' >"$TMP/three.gg"
run_gglab --check "$TMP/three.gg"
expect_err "3 errors" "all errors are counted"
expect_err "three.gg:2: unknown command 'frob'" "the second error too"

# an empty script, a missing script, a directory
printf '# only a comment\n\n' >"$TMP/empty.gg"
run_gglab --batch "$TMP/empty.gg"
expect_rc 2 "an empty script"
expect_err "the script is empty" "empty script message"
run_gglab --batch "$TMP/missing.gg"
expect_rc 2 "a missing script"
expect_err "$TMP/missing.gg: cannot read the script: No such file or directory" "missing script message"

# bad options
run_gglab --threads 0 -c "show"
expect_rc 2 "--threads 0"
expect_err "--threads=0 is out of range" "--threads message"
run_gglab --frob
expect_rc 2 "an unknown option"
run_gglab --batch "$TMP/bad.gg" -c "show"
expect_rc 2 "two modes at once"
expect_err "choose one of" "two modes message"
run_gglab --log /nonexistent-dir/x.jsonl.gz -c "data xor; train 1"
expect_rc 1 "--log into a missing directory"
expect_err "/nonexistent-dir/x.jsonl.gz: cannot open the log" "--log message"

# broken data files: each refused with its path and what was wrong
mini="$srcdir/data/fashion-mini"
fresh() { rm -rf "$TMP/d"; mkdir "$TMP/d"; cp "$mini"/*.gz "$TMP/d/"; }

fresh
head -c 20000 "$mini/train-images-idx3-ubyte.gz" >"$TMP/d/train-images-idx3-ubyte.gz"
GGLAB_DATA="$TMP/d" run_gglab -c "data fashion; train 1"
expect_rc 1 "a truncated .gz"
expect_err "$TMP/d/train-images-idx3-ubyte.gz:" "the truncated file is named"
expect_err "truncated" "truncation is said"

fresh
gzip -dc "$mini/t10k-labels-idx1-ubyte.gz" | { printf '\000\000\010\007'; tail -c +5; } | gzip >"$TMP/d/t10k-labels-idx1-ubyte.gz"
GGLAB_DATA="$TMP/d" run_gglab -c "data fashion; train 1"
expect_rc 1 "an IDX file with a wrong magic number"
expect_err "$TMP/d/t10k-labels-idx1-ubyte.gz:" "the bad file is named"

fresh
gzip -dc "$mini/train-labels-idx1-ubyte.gz" >"$TMP/labels"
{ head -c 4 "$TMP/labels"; printf '\000\000\003\350'; tail -c +9 "$TMP/labels" | head -c 1000; } | gzip >"$TMP/d/train-labels-idx1-ubyte.gz"
GGLAB_DATA="$TMP/d" run_gglab -c "data fashion; train 1"
expect_rc 1 "a labels file whose count differs from its images"
expect_err "1000 entries" "the label count is said"

fresh
rm "$TMP/d/t10k-images-idx3-ubyte.gz"
GGLAB_DATA="$TMP/d" run_gglab -c "data fashion; train 1"
expect_rc 1 "a missing data file"
expect_err "t10k-images-idx3-ubyte" "the missing file is named"

# a failed command stops the script at that command: what follows does not run
run_gglab -c "data spiral n=50; set bs 100; export csv $TMP/after-error.csv"
expect_rc 1 "a run-time error in a script"
check "commands after a failed one do not run" test ! -e "$TMP/after-error.csv"

# convolutional models and image data (issue 12): a conv model needs images, its stages
# must fit the image, crop= at most half the image; each model line says its shape and size
run_gglab -c "data spiral; model cnn 32,64"
expect_rc 1 "a conv model on a data set that is not images"
expect_err "model cnn needs an image data set (fashion, cifar10)" "the conv model's message"
run_gglab -c "data xor; model nais conv=8"
expect_rc 1 "a conv NAIS model on a data set that is not images"
expect_err "model nais needs an image data set" "the conv NAIS model's message"
run_gglab -c "data fashion n=100; model cnn 8,8,8,8,8"
expect_rc 1 "too many stages for 28x28"
expect_err "cnn stage 5: its 3x3 kernel is larger than its 1x1 input" "the stage is named"
run_gglab -c "data fashion crop=15"
expect_rc 2 "crop= larger than half the image"
expect_err "crop=15 is larger than half the 28x28 image of fashion (0..14)" "the crop message"
mkdir "$TMP/cifar"
head -c 100 /dev/zero >"$TMP/cifar/data_batch_1.bin"
run_gglab -c "data cifar10 path=$TMP/cifar"
expect_rc 1 "a CIFAR file of the wrong size"
expect_err "$TMP/cifar/data_batch_1.bin: 100 bytes is not a whole number of 3073-byte" "the file and its size"
{ printf '\001'; head -c 3072 /dev/zero; printf '\014'; head -c 3072 /dev/zero; } >"$TMP/cifar/data_batch_1.bin"
run_gglab -c "data cifar10 path=$TMP/cifar"
expect_rc 1 "a CIFAR label of 12"
expect_err "$TMP/cifar/data_batch_1.bin: record 2 has label 12, not a class 0-9" "the file and the record"
run_gglab -c "data fashion n=100; model cnn 4,8 fc=16; model resnet n=1 width=4; model nais conv=4 blocks=2"
expect_rc 0 "conv models on fashion"
expect_err "model cnn 1x28x28 conv4-pool-conv8-pool-fc16-10 max, 6794 params" "a cnn line: shape and parameters"
expect_err "model resnet 1x28x28 8 n=1 width=4-8-16-10 bn, 5142 params" "a resnet line"
expect_err "model nais 1x28x28 conv4 2x4 h=0.5 stable, " "a conv NAIS line"
run_gglab -c "data spiral; model mlp 16x2; model nais width=8"
expect_err "model mlp 2-16x2-2 relu, 354 params" "an mlp line: shape and parameters"
expect_err "model nais 2-8 1x4 h=0.5 stable, 178 params" "a dense NAIS line"

# the parser's limits (issue 13): each ends at once with a message and status 2, no signal
# and no memory eaten
(exec timeout 20 "$GGLAB" --batch /dev/zero) >"$TMP/out" 2>"$TMP/err" </dev/null
RC=$?
ERR=$(cat "$TMP/err")
expect_rc 2 "--batch /dev/zero"
expect_err "/dev/zero:1: line too long (more than 1048576 bytes)" "/dev/zero: the line is too long"
: >"$TMP/self.gg"
for i in 1 2 3 4 5 6 7 8 9 10; do
	echo "source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg; source $TMP/self.gg" >>"$TMP/self.gg"
done
(exec timeout 20 "$GGLAB" --batch "$TMP/self.gg") >"$TMP/out" 2>"$TMP/err" </dev/null
RC=$?
ERR=$(cat "$TMP/err")
expect_rc 2 "a script that sources itself 10 times a line"
expect_err "self.gg:10: source $TMP/self.gg: a cycle ($TMP/self.gg is being read already)" "the cycle is named"
deep=$(awk 'BEGIN { for (i = 0; i < 12000; i++) printf "at 1 "; print "pause" }')
(exec timeout 20 "$GGLAB" -c "$deep") >"$TMP/out" 2>"$TMP/err" </dev/null
RC=$?
ERR=$(cat "$TMP/err")
expect_rc 2 "at 1 at 1 ... 12 000 deep"
expect_err "at cannot be scheduled" "nested at is refused"
printf 'at 1 %.0s' $(seq 12000) >"$TMP/deep.gg"
echo pause >>"$TMP/deep.gg"
(exec timeout 20 "$GGLAB" --check "$TMP/deep.gg") >"$TMP/out" 2>"$TMP/err" </dev/null
RC=$?
ERR=$(cat "$TMP/err")
expect_rc 2 "a script line 12 000 at deep"
expect_err "deep.gg:1: at cannot be scheduled" "nested at in a script"

finish
