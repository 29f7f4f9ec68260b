// The table model (schemas, columns, batches) is its own module so that Report depends on it
// alone, not on the state or SQLite; Analyze builds tables and re-exports it for its users.
@_exported import TableModel

public enum AnalyzeModule {}
