#!/bin/sh
# batch.sh — headless modes: --batch, -c, a script on stdin, --check, --log, options.
. "${srcdir:-.}/tests/lib.sh"

cat >"$TMP/run.gg" <<'GG'
# a small run on a synthetic set
data spiral n=600 seed=2
model mlp 32x2 act=tanh
opt sgd lr=0.1 momentum=0.9
set bs 32
train 300
set lr 0.05 bs 64   # a change mid-run
train 2 epochs
eval
GG
echo "export csv $TMP/run.csv" >>"$TMP/run.gg"
echo "export jsonl $TMP/run.jsonl" >>"$TMP/run.gg"

run_gglab --batch "$TMP/run.gg" --threads 1 --log "$TMP/log.jsonl.gz"
expect_rc 0 "--batch runs a script"
expect_err "summary: r1" "a final summary"
expect_err "step 0 epoch 0.00" "progress lines"
expect_err "lr 0.1 -> 0.05" "the change is acknowledged"
check "no control characters on stderr" sh -c "! LC_ALL=C tr -d '\n' <'$TMP/err' | LC_ALL=C grep -q '[[:cntrl:]]'"
check "the csv was written" test -s "$TMP/run.csv"
check "csv header" sh -c "head -1 '$TMP/run.csv' | grep -q '^run,step,epoch,lr,lr_base,bs,batch_loss,train_loss,train_err,test_loss,test_err,gap_loss,gap_err,dist'"
rows=$(($(wc -l <"$TMP/run.csv") - 1))
check "csv has rows" test "$rows" -gt 5
check "the log is gzip" sh -c "gzip -t '$TMP/log.jsonl.gz'"
# the log is in the lines of export jsonl: a header, rows, events, and the final header
gzip -dc "$TMP/log.jsonl.gz" >"$TMP/log.jsonl"
# (eval's full-set values come as a line of their own, merged into the row of their step:
# compared apart from the rows)
grep '"step":' "$TMP/log.jsonl" | grep -v '"event":' | grep '"epoch":' >"$TMP/log.rows"
grep '"step":' "$TMP/run.jsonl" | grep -v '"event":' | sed 's/,"full_[a-z_]*":[^,}]*//g' >"$TMP/export.rows"
check "eval's full-set values are in the log" grep -q '^{"run":"r1","step":[0-9]*,"full_train_loss":[0-9.e-]*,"full_train_err":' "$TMP/log.jsonl"
full=$(grep '"full_test_err":[0-9]' "$TMP/run.jsonl" | sed 's/.*"full_test_err":\([0-9.e-]*\).*/\1/')
check "and in the export's row of that step, in their own column ($full)" sh -c "grep -q '\"full_test_err\":$full' '$TMP/log.jsonl' && test -n '$full'"
lines=$(wc -l <"$TMP/log.rows")
check "the log has one row line per evaluation ($lines vs $rows)" test "$lines" -eq "$rows"
check "the log opens with the run's header" sh -c "head -1 '$TMP/log.jsonl' | grep -q '^{\"run\":\"r1\",\"model\":\"mlp 2-32x2-2 tanh\",'"
check "then its rows" sh -c "sed -n 2p '$TMP/log.jsonl' | grep -q '^{\"run\":\"r1\",\"step\":0,\"epoch\":0,'"
check "the log's rows are the export's, byte for byte" cmp -s "$TMP/log.rows" "$TMP/export.rows"
check "the log has the export's events" sh -c "grep '\"event\":' '$TMP/run.jsonl' | grep -q 'lr 0.1->0.05' &&
	test \"\$(grep '\"event\":' '$TMP/log.jsonl')\" = \"\$(grep '\"event\":' '$TMP/run.jsonl')\""
check "the log ends with the export's header" sh -c "test \"\$(tail -1 '$TMP/log.jsonl')\" = \"\$(head -1 '$TMP/run.jsonl')\""
run_gglab --view "$TMP/log.jsonl.gz"
expect_rc 0 "--view reads the log"
log_summary=$OUT
run_gglab --view "$TMP/run.jsonl"
expect_rc 0 "--view reads the export"
check "and shows the same run from both" test "$log_summary" = "$OUT"
# a new model restarts the run: the log then holds two histories of r1, and --view shows
# the second, as the lab and its export do (it used to merge them by step)
cat >"$TMP/restart.gg" <<GG
data spiral n=600 seed=2
set lr 0.3
train 60
model mlp 8x1
set lr 0.01
train 20
export jsonl $TMP/restart.jsonl
GG
run_gglab --batch "$TMP/restart.gg" --threads 1 --log "$TMP/restart.jsonl.gz"
expect_rc 0 "a script that restarts its run"
run_gglab --view "$TMP/restart.jsonl.gz"
log_summary=$OUT
check "--view of its log shows the restarted run ending at step 20" sh -c "printf '%s' '$log_summary' | grep -q 'r1 DONE step 20 .*best test loss [0-9.]* @ step 20'"
run_gglab --view "$TMP/restart.jsonl"
check "as --view of the export does" test "$log_summary" = "$OUT"
if command -v python3 >/dev/null 2>&1; then
	check "every log line parses as JSON" python3 -c "
import gzip, json, sys
for l in gzip.open('$TMP/log.jsonl.gz', 'rt'): json.loads(l)"
fi

# the same script again gives the same numbers, bit for bit
cp "$TMP/run.csv" "$TMP/first.csv"
run_gglab --batch "$TMP/run.gg" --threads 1
check "a rerun is bit-identical" cmp -s "$TMP/run.csv" "$TMP/first.csv"
# --seed changes them
run_gglab --batch "$TMP/run.gg" --threads 1 --seed 7
check "--seed changes the run" sh -c "! cmp -s '$TMP/run.csv' '$TMP/first.csv'"

# -c, and a script on stdin
run_gglab -c "data xor n=200; model mlp 8x1; train 50; show"
expect_rc 0 "-c runs commands"
expect_err "run r1 seed 1: PAUSED at step 50" "show after -c"
printf 'data circles n=200\ntrain 20\n' | "$GGLAB" >"$TMP/out" 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err")
expect_rc 0 "a script on stdin"
expect_err "summary: r1 PAUSED step 20" "stdin script ran"

# --check parses only
run_gglab --check "$TMP/run.gg"
expect_rc 0 "--check of a good script"
expect_out "ok, 10 commands" "--check counts the commands"
check "--check does not run" test ! -e "$TMP/never.csv"

# help and version
run_gglab --version
expect_rc 0 "--version"
expect_out "gglab " "--version prints the version"
run_gglab --help
expect_rc 0 "--help"
expect_out "--batch FILE" "--help lists --batch"
run_gglab -c "help"
expect_out "export csv PATH | jsonl PATH | svg PATH" "help lists the commands"
run_gglab -c "help set"
expect_out "usage: set [-a] KEY VALUE" "help for one command"
expect_out "regime" "help set explains every key"
# prefixes work the same in every mode
run_gglab -c "he"
expect_rc 0 "-c he"
expect_out "export csv PATH | jsonl PATH | svg PATH" "-c he prints the help"
run_gglab -c "help model"
expect_out "[stable=on|off]" "help model prints the whole usage"

# the journal records canonical commands, never the prefix typed
run_gglab -c "mod mlp 8x1; da xor seed=3 n=200; tr 20" --threads 1 --journal "$TMP/canon.gg"
expect_rc 0 "a session of prefixes"
check "model journaled in full" grep -qx "model mlp 8x1" "$TMP/canon.gg"
check "options in canonical order" grep -qx "data xor n=200 seed=3" "$TMP/canon.gg"
check "train journaled in full" grep -qx "train 20" "$TMP/canon.gg"
check "no prefix in the journal" sh -c "! grep -q '^mod \|^tr \|^da ' '$TMP/canon.gg'"

# the bundled data set and the default model train
run_gglab -c "train 20; show" --threads 1
expect_rc 0 "the default setup trains"
expect_err "data   fashion" "default data is fashion"

finish
