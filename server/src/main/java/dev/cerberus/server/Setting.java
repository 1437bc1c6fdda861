package dev.cerberus.server;

/**
 * One named server setting: its properties-file key, its command-line flag, its default and
 * what it does. {@link ServerSettings#CATALOG} lists them all; docs/settings.md mirrors it.
 *
 * @param key properties-file key, e.g. {@code cerberus.batch.max-size}
 * @param flag command-line flag of {@code serve}, e.g. {@code --max-batch-size}
 * @param defaultValue the value when neither the file nor a flag sets it ("" = unset)
 * @param label placeholder in --help, e.g. {@code N}
 * @param description what it does and why the default is what it is
 */
public record Setting(String key, String flag, String defaultValue, String label, String description) {}
