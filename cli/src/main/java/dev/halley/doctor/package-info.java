/**
 * {@code halley doctor}: reads this machine's limits (open files, the kernel's socket and memory
 * settings, memory, cores) from {@code /proc}, compares them with a target number of concurrent
 * connections and says what stands in the way, with the exact configuration lines that remove it
 * and, when the per-process open-file limit cannot be raised, how many processes to spread over.
 * Memory is estimated from per-connection costs measured on this machine kind, kept in
 * {@link dev.halley.doctor.ConnectionCosts}. Everything is read below a root directory so tests can
 * point it at a directory of fake {@code /proc} files.
 */
package dev.halley.doctor;
