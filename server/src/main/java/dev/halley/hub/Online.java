package dev.halley.hub;

/** One connection counted towards its client being online; see {@link Hub#connect}. */
public interface Online {

    /** The connection closed. May be called from any thread, any number of times; counts once. */
    void end();
}
