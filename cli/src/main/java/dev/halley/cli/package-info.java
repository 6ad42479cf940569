/**
 * The command line: {@code halley server}, {@code halley publish} and the other subcommands, built
 * with picocli. Every option may also come from a properties file ({@code --config} or
 * {@code HALLEY_CONFIG}) or an environment variable ({@code HALLEY_MAILBOX_TTL} for
 * {@code --mailbox-ttl}); the command line wins over the environment, which wins over the file.
 * This package only turns words into the options records of the other packages and starts them.
 */
package dev.halley.cli;
