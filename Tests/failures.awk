# Prints each failed test of a `dotnet test --logger "console;verbosity=normal"` log: its name, error message and
# stack trace in full (up to 60 lines), then the last 40 lines of its standard output, which is where a process test
# prints what the hosts and the client said before it failed.
function flush_output(   i, start) {
    if (!in_block) return
    if (out_n > 0) {
        start = out_n > 40 ? out_n - 40 + 1 : 1
        printf "  -- last %d of %d lines of its output --\n", out_n - start + 1, out_n
        for (i = start; i <= out_n; i++) print out[i]
    }
    print ""
    in_block = 0
}
/^  (Passed|Failed|Skipped) [A-Za-z]/ || /^Test Run / || /^Total tests:/ || /^\[xUnit\.net/ {
    flush_output()
}
/^  Failed [A-Za-z]/ {
    in_block = 1; in_output = 0; head_n = 0; out_n = 0
}
in_block {
    if ($0 ~ /^  Standard (Output|Error) Messages:/) { in_output = 1; next }
    if (in_output) { out[++out_n] = substr($0, 1, 400); next }
    if (head_n++ < 60) print substr($0, 1, 400)
}
END { flush_output() }
