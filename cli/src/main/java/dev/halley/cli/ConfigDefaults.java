package dev.halley.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Option defaults from the environment ({@code HALLEY_MAILBOX_TTL=90s}) and then from a properties
 * file ({@code mailbox-ttl=90s}) named by {@code --config FILE} or {@code HALLEY_CONFIG}. An option
 * given on the command line wins over both; an option with neither keeps its annotated default.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

    private final Map<String, String> env;
    private final Properties file;

    private ConfigDefaults(Map<String, String> env, Properties file) {
        this.env = env;
        this.file = file;
    }

    /** Finds {@code --config} among the raw arguments (it must be known before parsing) and reads it. */
    static ConfigDefaults from(String[] args, Map<String, String> env) {
        String path = env.get("HALLEY_CONFIG");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                path = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                path = args[i].substring("--config=".length());
            }
        }
        Properties props = new Properties();
        if (path != null) {
            try (Reader r = Files.newBufferedReader(Path.of(path))) {
                props.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read config file " + path, e);
            }
        }
        return new ConfigDefaults(env, props);
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
        if (!argSpec.isOption()) {
            return null;
        }
        String longName = ((CommandLine.Model.OptionSpec) argSpec).longestName();
        if (!longName.startsWith("--")) {
            return null;
        }
        String key = longName.substring(2);
        String fromEnv = env.get("HALLEY_" + key.replace('-', '_').toUpperCase(Locale.ROOT));
        if (fromEnv != null) {
            return fromEnv;
        }
        return file.getProperty(key);
    }
}
