package dev.halley.bench;

import java.util.List;

/** All connections in this process ({@code --procs 1}). */
final class LocalFleet implements Fleet {

    private final SubscriberPool pool;
    private int[] readyPerChannel = new int[0];
    private boolean stopped;

    LocalFleet(BenchOptions options) {
        this.pool = new SubscriberPool(options, 0, 0, options.connections());
    }

    @Override
    public void start() {
        pool.start();
    }

    @Override
    public Progress progress() {
        return pool.progress();
    }

    @Override
    public int[] readyPerChannel() {
        readyPerChannel = pool.readyPerChannel();
        return readyPerChannel.clone();
    }

    @Override
    public List<WorkerResult> stop() {
        stopped = true;
        return List.of(pool.stop((int) pool.progress().standing(), readyPerChannel));
    }

    @Override
    public void close() {
        if (!stopped) {
            stop();
        }
    }
}
