// Package config turns sluice's start-up inputs — command-line flags, APP_*
// environment variables and a Bifrost-shaped config.json — into Settings for the
// HTTP gateway and a schemas.Account for the engine.
//
// The config file keeps Bifrost's shape so that its users can bring their files
// over unchanged. Loading is strict about values and lenient about keys: a value of
// the wrong type or out of range stops start-up with its JSON path and the reason
// (for example "providers.openai.concurrency_and_buffer_size.concurrency: must be
// ≥ 0, got -1"), while a key sluice does not know is returned as a Warning with its
// path for the caller to log. Bifrost settings that sluice does not implement are
// reported the same way, with a message that says so.
//
// JSON has no comments, so object members whose key starts with "//" are skipped
// silently; config.example.json at the repository root uses them as documentation.
//
// Any string value of the form "env.NAME" is replaced by the environment variable
// NAME when the file is loaded; an unset or empty variable is an error naming the
// JSON path and the variable, never the value. Secrets are redacted by the String
// and LogValue methods of Settings, File, ProviderEntry and Account, so the
// effective configuration can be logged.
package config
