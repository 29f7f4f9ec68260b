import Analyze
public enum ReportModule {}
