public enum AnalyzeModule {}
