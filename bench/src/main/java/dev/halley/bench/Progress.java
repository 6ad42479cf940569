package dev.halley.bench;

/**
 * A running snapshot of a process's subscribers.
 *
 * @param attempted connections started
 * @param standing connections subscribed now
 * @param settled connections that either subscribed once or failed before it
 * @param failures failures of every cause
 * @param deliveries markers received
 * @param requests long-poll answers received
 */
record Progress(long attempted, long standing, long settled, long failures, long deliveries, long requests) {

    static final Progress ZERO = new Progress(0, 0, 0, 0, 0, 0);

    Progress plus(Progress o) {
        return new Progress(attempted + o.attempted, standing + o.standing, settled + o.settled,
                failures + o.failures, deliveries + o.deliveries, requests + o.requests);
    }
}
