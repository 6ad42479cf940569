package dev.halley.bench;

/** What a run measures; see the README section "Benchmarking with halley bench". */
public enum Scenario {
    /** Open connections at a rate and hold them: how many stood, connect-time percentiles. */
    IDLE,
    /** Every connection is a client mailbox; publish to random clients; latency, lost, duplicated. */
    DIRECT,
    /** Connections spread over K channels; publish to the channels; per-delivery and last-subscriber latency. */
    FANOUT,
    /** Long-poll closed loop: every answer closes the connection and the client comes back with its cursor. */
    CHURN;

    /** The word used on the command line and in reports. */
    public String word() {
        return name().toLowerCase();
    }

    /** Whether the run publishes messages. */
    boolean publishes() {
        return this != IDLE;
    }
}
