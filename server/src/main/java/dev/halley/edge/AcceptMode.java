package dev.halley.edge;

/** How connections are accepted: the performance issue measures both. */
public enum AcceptMode {
    /** One listening socket per loop on the same port ({@code SO_REUSEPORT}); the kernel spreads accepts. */
    REUSEPORT,
    /** One listening socket on one loop, which hands each accepted connection to the loops in turn. */
    SINGLE
}
