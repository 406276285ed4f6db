using System.Numerics;
using BenchmarkDotNet.Attributes;
using Keel.Compression;
using Keel.Data;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Solvers;
using Keel.Solvers.Iterative;

namespace Keel.Bench;

/// <summary>
/// The cost of reproducibility at the kernel level: Keel's fixed-tree dot product against a naive
/// loop (one chain, order-dependent only on length: also reproducible, but slow and less accurate)
/// and against Vector&lt;T&gt; (fast, but its bits change with the CPU's vector width).
/// </summary>
[MemoryDiagnoser]
public class DotBenchmarks
{
    private double[] _x = [];
    private double[] _y = [];

    [Params(1_000, 1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = Enumerable.Range(0, N).Select(_ => random.NextDouble() - 0.5).ToArray();
        _y = Enumerable.Range(0, N).Select(_ => random.NextDouble() - 0.5).ToArray();
    }

    [Benchmark(Baseline = true)]
    public double Keel_fixed_tree() => Kernels.Dot(_x, _y);

    [Benchmark]
    public double Naive_loop()
    {
        double s = 0;
        for (int i = 0; i < _x.Length; i++)
        {
            s += _x[i] * _y[i];
        }

        return s;
    }

    [Benchmark]
    public double Vector_width_dependent()
    {
        var acc = Vector<double>.Zero;
        int i = 0;
        for (; i <= _x.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            acc += new Vector<double>(_x, i) * new Vector<double>(_y, i);
        }

        double s = Vector.Sum(acc);
        for (; i < _x.Length; i++)
        {
            s += _x[i] * _y[i];
        }

        return s;
    }
}

/// <summary>Keel's own Log/Exp (double-double, platform-independent) against the C library's.</summary>
public class ElementaryFunctionBenchmarks
{
    private double[] _x = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        _x = Enumerable.Range(0, 4096).Select(_ => 1 + (random.NextDouble() * 1000)).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 4096)]
    public double Keel_log()
    {
        double s = 0;
        foreach (double x in _x)
        {
            s += ElementaryFunctions.Log(x);
        }

        return s;
    }

    [Benchmark(OperationsPerInvoke = 4096)]
    public double Math_log()
    {
        double s = 0;
        foreach (double x in _x)
        {
            s += Math.Log(x);
        }

        return s;
    }

    [Benchmark(OperationsPerInvoke = 4096)]
    public double Keel_exp()
    {
        double s = 0;
        foreach (double x in _x)
        {
            s += ElementaryFunctions.Exp(x * 0.01);
        }

        return s;
    }

    [Benchmark(OperationsPerInvoke = 4096)]
    public double Math_exp()
    {
        double s = 0;
        foreach (double x in _x)
        {
            s += Math.Exp(x * 0.01);
        }

        return s;
    }
}

/// <summary>The exact cell accumulator against a plain double sum (what a naive row pass would do).</summary>
public class AccumulatorBenchmarks
{
    private double[] _y = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _y = Enumerable.Range(0, 1 << 16).Select(_ => Math.Round(random.NextDouble() * 1000, 6)).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 1 << 16)]
    public double ExactSum_y_and_y2()
    {
        ExactSum sy = default, syy = default;
        foreach (double y in _y)
        {
            sy.Add(y);
            syy.AddProduct(y, y);
        }

        return sy.ToDouble() + syy.ToDouble();
    }

    [Benchmark(OperationsPerInvoke = 1 << 16)]
    public double Naive_y_and_y2()
    {
        double sy = 0, syy = 0;
        foreach (double y in _y)
        {
            sy += y;
            syy += y * y;
        }

        return sy + syy;
    }
}

/// <summary>The row pass over a generated CSV (200,000 rows, four factors): one thread and all threads.</summary>
public class RowPassBenchmarks
{
    private string _path = "";
    private Formula _formula = null!;

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchData.WriteCsv(200_000, [2000, 300, 50, 12], 4);
        _formula = FormulaParser.Parse(BenchData.FormulaFor(4));
    }

    [Benchmark(Baseline = true)]
    public int One_thread() => BenchData.Cells(_path, _formula).CellCount;

    [Benchmark]
    public int Two_threads()
    {
        RowPassPlan plan = DesignBuilder.PlanFor(_formula, null, false);
        var pass = new RowPass(plan);
        ParallelRowPass.AddCsv(pass, plan, _path, 2, null, default);
        return pass.Finish().CellCount;
    }

    [Benchmark]
    public long Sylvan_parse_only()
    {
        long fields = 0;
        using CsvSource source = CsvSource.Open(_path);
        while (source.Read())
        {
            fields += source.GetField(0).Length;
        }

        return fields;
    }
}

/// <summary>Gathers (A·x), scatters (Aᵀ·y), an LSMR run and dense QR on generated designs.</summary>
public class SolverBenchmarks
{
    private Design _sparse = null!;
    private Design _small = null!;
    private DesignOperator _a = null!;
    private double[] _x = [];
    private double[] _y = [];

    [GlobalSetup]
    public void Setup()
    {
        _sparse = BenchData.Design(200_000, [2000, 300, 50, 12], 5);
        _small = BenchData.Design(20_000, [100, 30, 10, 7], 6);
        _a = new DesignOperator(_sparse);
        _x = Enumerable.Repeat(0.5, _a.Columns).ToArray();
        _y = Enumerable.Repeat(0.25, _a.Rows).ToArray();
    }

    [Benchmark]
    public double Gather_Ax()
    {
        _a.Multiply(_x, _y);
        return _y[0];
    }

    [Benchmark]
    public double Scatter_ATy()
    {
        _a.MultiplyTransposed(_y, _x);
        return _x[0];
    }

    [Benchmark]
    public int Lsmr_20_iterations()
    {
        double[] norms = _sparse.ColumnSquaredNorms();
        var options = new LsmrOptions { MaxIterations = 20, Atol = 0, Btol = 0, ConditionLimit = 0 };
        return Lsmr.SolveColumnScaled(_a, _a.RightHandSide(), norms, options).Iterations;
    }

    [Benchmark]
    public double Dense_qr_small() => DenseSolve.Solve(_small).Coefficients[0];
}

/// <summary>
/// ExactSum's cost per added term against a plain double +=, with cells scattered over 100k
/// accumulators (the row pass's case) or few (the 100M-row few-cells case); moved here from a test
/// that printed throughput and asserted nothing.
/// </summary>
[MemoryDiagnoser]
public class ExactSumBenchmarks
{
    private const int Rows = 1_000_000;
    private double[] _y = [];
    private int[] _many = [];
    private int[] _few = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _y = Enumerable.Range(0, Rows).Select(_ => Math.Round(rng.NextDouble() * 1000, 2)).ToArray();
        _many = Enumerable.Range(0, Rows).Select(_ => rng.Next(100_000)).ToArray();
        _few = Enumerable.Range(0, Rows).Select(_ => rng.Next(10)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public double Double_sum_100k_cells()
    {
        var acc = new double[100_000];
        for (int i = 0; i < Rows; i++)
        {
            acc[_many[i]] += _y[i];
        }

        return acc[0];
    }

    [Benchmark]
    public double Exact_add_100k_cells() => Sum(new ExactSum[100_000], _many, products: false);

    [Benchmark]
    public double Exact_add_product_100k_cells() => Sum(new ExactSum[100_000], _many, products: true);

    [Benchmark]
    public double Exact_add_10_cells() => Sum(new ExactSum[10], _few, products: false);

    private double Sum(ExactSum[] acc, int[] cells, bool products)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            if (products)
            {
                acc[cells[i]].AddProduct(_y[i], _y[i]);
            }
            else
            {
                acc[cells[i]].Add(_y[i]);
            }
        }

        return acc[0].ToDouble();
    }
}
