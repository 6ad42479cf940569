package dev.halley.bench;

import java.io.PrintStream;

/** The live progress line: rewritten in place on a terminal, one plain line per sample otherwise. */
final class ProgressLine {

    private final PrintStream out;
    private final boolean terminal;
    private int lastLength;

    ProgressLine(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void show(String line) {
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the in-place line so the summary starts on a fresh one. */
    void finish() {
        if (terminal && lastLength > 0) {
            out.println();
            lastLength = 0;
        }
    }
}
