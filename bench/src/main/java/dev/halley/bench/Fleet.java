package dev.halley.bench;

import java.util.List;

/** The subscriber connections of a run, in this process or spread over child processes. */
interface Fleet extends AutoCloseable {

    /** Starts opening connections; returns at once. */
    void start();

    /** The summed progress of every process (the last figure each reported). */
    Progress progress();

    /** Fanout: subscribed connections per channel over all processes; remembered for the results. */
    int[] readyPerChannel();

    /** Stops every process and returns what each measured; bounded in time. */
    List<WorkerResult> stop();

    @Override
    void close();
}
