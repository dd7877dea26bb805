"""What every command and run relies on: strict JSON and manifests, directories that appear
whole or not at all, signals, progress lines, and the machine a result was measured on. Imports no
torch."""
