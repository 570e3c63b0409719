#!/bin/sh
# figures.sh — export svg and report from a short seeded batch run: every panel's figure is
# valid XML (xmllint, Debian's libxml2-utils; skipped with a message when absent) and holds
# what the panel shows (each run's curves, the legend, the ticks, the markers and their
# labels, the fit with b and R²); the report holds every figure, the runs' settings and the
# events, for a lab and for --view of its metrics file; text from a file is escaped; and
# the bad input the issue names: a missing directory, a lab with no runs, an unknown panel.
. "${srcdir:-.}/tests/lib.sh"

have_xmllint=1
command -v xmllint >/dev/null 2>&1 || {
	have_xmllint=0
	echo "skip: xmllint not installed (Debian: apt-get install libxml2-utils); the figures are" \
	     "checked for their content only"
}
valid() { # valid FILE: well-formed XML
	[ "$have_xmllint" = 0 ] && return 0
	xmllint --noout "$1"
}
count() { # count PATTERN FILE: lines with the fixed string
	grep -cF -- "$1" "$2"
}

two_runs "$TMP/fig.gg"
cat >>"$TMP/fig.gg" <<EOF
export svg $TMP/loss.svg loss
export svg $TMP/gap.svg gap
export svg $TMP/dist.svg dist
export svg $TMP/inst.svg instruments
export svg $TMP/boundary.svg boundary
export svg $TMP/current.svg
report $TMP/report.html
EOF
run_gglab --batch "$TMP/fig.gg" --threads 1 --seed 5 --log "$TMP/log.jsonl"
expect_rc 0 "the batch run with its figures"
for p in loss gap dist inst boundary; do
	expect_err "wrote the $p panel to $TMP/$p.svg" "export svg $p says what it wrote"
	check "$p.svg is valid XML" valid "$TMP/$p.svg"
	check "$p.svg is an SVG" grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' "$TMP/$p.svg"
	check "$p.svg has ticks" test "$(count 'class="tick"' "$TMP/$p.svg")" -ge 6
done
check "the current view's panel is the loss panel (view auto)" cmp -s "$TMP/loss.svg" "$TMP/current.svg"

# every run's curves (train, test, and the current run's minibatch losses) and legend
check "loss: both runs' train and test curves and the minibatches" \
	test "$(count 'class="curve"' "$TMP/loss.svg")" -ge 5
for r in r1 big; do
	check "loss: $r in the legend" grep -q "class=\"legend\">$r " "$TMP/loss.svg"
	check "gap: $r in the legend" grep -q "class=\"legend\">$r " "$TMP/gap.svg"
done
check "loss: the key to train and test" grep -q 'class="legend" fill="#444444">train<' "$TMP/loss.svg"
check "loss: each run its own dash pattern" grep -q 'stroke-dasharray="6 2.5"' "$TMP/loss.svg"
check "loss: each run's shape at its newest point" test "$(grep -c '<rect x=.*stroke-width="1"/>' "$TMP/loss.svg")" -ge 2
# the marker where big's settings changed, with its label
check "loss: a marker" grep -q 'class="marker"' "$TMP/loss.svg"
check "loss: its label" grep -q 'class="marker-label"[^>]*>bs 32-&gt;128' "$TMP/loss.svg"
check "loss: log y, ticks in one notation" grep -q '>loss (log)<' "$TMP/loss.svg"
check "loss: the x axis names its unit" grep -q '>steps</text>' "$TMP/loss.svg"
check "gap: curves" test "$(count 'class="curve"' "$TMP/gap.svg")" -ge 2
# the distance panel: both runs, the fit line, b and R² in the title's note
check "dist: both runs' curves" test "$(count 'class="curve"' "$TMP/dist.svg")" -ge 2
check "dist: the fit line" grep -q 'class="fit"' "$TMP/dist.svg"
check "dist: b and R² in the title" grep -q 'b=[0-9.]* R²=[0-9.]* n=[0-9]*' "$TMP/dist.svg"
check "dist: a log-steps axis" grep -q '>log steps</text>' "$TMP/dist.svg"
check "inst: curves" test "$(count 'class="curve"' "$TMP/inst.svg")" -ge 1
check "boundary: the regions" grep -q 'class="regions"' "$TMP/boundary.svg"
check "boundary: the classes" grep -q '>class 1<' "$TMP/boundary.svg"

# the report: every panel inline, the settings side by side, the events
check "the report is well-formed (polyglot HTML)" valid "$TMP/report.html"
check "the report holds the five figures" test "$(count '<svg xmlns' "$TMP/report.html")" -eq 5
check "the report has no XML declaration inside" test "$(count '<?xml' "$TMP/report.html")" -eq 0
check "the report: settings side by side" grep -q '<tr><th></th><th>r1</th><th>big</th></tr>' "$TMP/report.html"
check "the report: a setting that differs is marked" grep -q '<td class="differs num">128</td>' "$TMP/report.html"
check "the report: the events" grep -q '<td>big</td><td>bs 32-&gt;128' "$TMP/report.html"
check "the report stands alone (no links, no scripts)" sh -c "! grep -qE '<script|<link|src=|href=' '$TMP/report.html'"

# a script's view commands change what its figures picture, as they would the screen's
run_gglab -c "metric err; logy off; xaxis epochs; run hide big; export svg $TMP/viewed.svg loss; view gap; export svg $TMP/viewed-current.svg" --view "$TMP/log.jsonl"
expect_rc 0 "figures after view commands"
check "metric err: the loss panel shows error rates" grep -q '>error rate<' "$TMP/viewed.svg"
check "xaxis epochs: the x axis says so" grep -q '>epochs</text>' "$TMP/viewed.svg"
check "logy off: no log axis" sh -c "! grep -q '(log)' '$TMP/viewed.svg'"
check "run hide big: its curves are not drawn, and the legend says so" sh -c "grep -q '>1 hidden<' '$TMP/viewed.svg' && ! grep -q 'class=\"legend\">big ' '$TMP/viewed.svg'"
check "view gap: the current panel is the gap panel" grep -q '>generalization gap<' "$TMP/viewed-current.svg"

# --view of the metrics file: the same runs, headless with -c
run_gglab -c "report $TMP/view.html; export svg $TMP/view.svg dist" --view "$TMP/log.jsonl"
expect_rc 0 "a report of --view's files"
check "its report is well-formed" valid "$TMP/view.html"
check "its report has both runs" grep -q '<th>r1</th><th>big</th>' "$TMP/view.html"
check "its distance figure" grep -q 'class="fit"' "$TMP/view.svg"

# text from a file is escaped: a run name and an event with XML's special characters
cat >"$TMP/odd.jsonl" <<'EOF'
{"run":"a<b&c","model":"m \"x\" 'y'","data":"xor","opt":"sgd","state":"DONE","final_step":30}
{"run":"a<b&c","step":1,"train_loss":1.0,"test_loss":1.2,"dist":0.1}
{"run":"a<b&c","step":10,"train_loss":0.6,"test_loss":0.9,"dist":0.5}
{"run":"a<b&c","step":10,"event":"lr <0.1> & \"more\" ]]>"}
{"run":"a<b&c","step":30,"train_loss":0.3,"test_loss":0.8,"dist":0.9}
EOF
run_gglab -c "export svg $TMP/odd.svg; report $TMP/odd.html" --view "$TMP/odd.jsonl"
expect_rc 0 "figures of a file with odd text"
check "odd text: the SVG is valid" valid "$TMP/odd.svg"
check "odd text: the report is valid" valid "$TMP/odd.html"
check "odd text: escaped" grep -q 'lr &lt;0.1&gt; &amp; &quot;more&quot; ]]&gt;' "$TMP/odd.html"

# bad input
run_gglab -c "train 5; export svg $TMP/no/such/dir/x.svg"
expect_rc 1 "export svg to a missing directory fails"
expect_err "the directory $TMP/no/such/dir does not exist" "and says which directory is missing"
run_gglab -c "report $TMP/empty.html"
expect_rc 1 "report of a lab whose run measured nothing fails"
expect_err "report: no run has measured anything yet" "and says why"
check "and writes nothing" test ! -e "$TMP/empty.html"
run_gglab -c "export svg $TMP/x.svg losses"
expect_rc 2 "an unknown panel is a parse error"
expect_err "unknown panel 'losses' (known: loss gap dist inst boundary)" "naming the panels"
run_gglab -c "data fashion n=200; train 5; export svg $TMP/b.svg boundary"
expect_rc 1 "the boundary of a run on images fails"
expect_err "needs a 2-D data set" "and says why"
run_gglab -c "at 10 export svg $TMP/x.svg"
expect_rc 2 "export svg cannot be scheduled"
expect_err "export svg cannot be scheduled" "and says so"
finish
