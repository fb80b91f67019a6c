using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(SqlRsync.Benchmarks.HashBenchmarks).Assembly).Run(args);
