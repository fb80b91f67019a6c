using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Rsync.Benchmarks.HashBenchmarks).Assembly).Run(args);
