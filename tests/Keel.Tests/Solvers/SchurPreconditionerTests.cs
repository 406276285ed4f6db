// The block (Schur-complement) preconditioned LSMR path against independent answers: the closed form
// of a balanced two-way layout (dense S), the saturated fit of a tree-shaped level graph (sparse S of
// a low-mobility chain, where cell means are the fitted values), the algebra of the operator
// (adjointness, R⁻¹ then A equals the product) for every kind of factor, and thread independence.

using System.Globalization;
using Keel.Compression;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers;
using Keel.Solvers.Iterative;
using Keel.Tests.TestSupport;
using Keel.Absorption;

namespace Keel.Tests.Solvers;

public class SchurPreconditionerTests
{
    private static (Design Design, FitOptions Options) Build(string csv, string formula, int threads = 1, SolverChoice solver = SolverChoice.Auto)
    {
        using var file = new TempCsv(csv);
        var options = new FitOptions { Formula = formula, Inputs = [file.Path], Threads = threads, Solver = solver };
        Formula f = FormulaParser.Parse(formula);
        CellTable cells = FitPipeline.ReadCells(f, options, null, default);
        return (DesignBuilder.Build(f, cells), options);
    }

    // Balanced layout: I levels of a, J of b, R replicates per (a, b), y from a fixed integer pattern.
    private static (string Csv, double[,,] Y) Balanced(int levelsA, int levelsB, int replicates)
    {
        var y = new double[levelsA, levelsB, replicates];
        var lines = new List<string> { "a,b,y" };
        for (int i = 0; i < levelsA; i++)
        {
            for (int j = 0; j < levelsB; j++)
            {
                for (int r = 0; r < replicates; r++)
                {
                    y[i, j, r] = ((7 * i) + (3 * j * j) + (11 * r * (i + 1)) + (5 * i * j)) % 23;
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"a{i:D3},b{j:D3},{y[i, j, r]}"));
                }
            }
        }

        return (string.Join('\n', lines) + "\n", y);
    }

    [Fact]
    public void Balanced_two_way_layout_matches_the_closed_form_in_a_handful_of_iterations()
    {
        const int levelsA = 40, levelsB = 25, replicates = 2;
        (string csv, double[,,] y) = Balanced(levelsA, levelsB, replicates);
        (Design design, FitOptions options) = Build(csv, "y ~ a + b");

        LeastSquaresSolution solution = IterativeSolve.Solve(design, options.Iterative, default);

        // Closed form (Scheffé, The Analysis of Variance, §4.1): with equal counts the additive fit is
        // ŷ_ij = ȳ_i.. + ȳ_.j. − ȳ_..., so a[i] − a[0] = ȳ_i.. − ȳ_0.. and b[j] − b[0] = ȳ_.j. − ȳ_.0.
        var meanA = new double[levelsA];
        var meanB = new double[levelsB];
        for (int i = 0; i < levelsA; i++)
        {
            for (int j = 0; j < levelsB; j++)
            {
                for (int r = 0; r < replicates; r++)
                {
                    meanA[i] += y[i, j, r] / (levelsB * replicates);
                    meanB[j] += y[i, j, r] / (levelsA * replicates);
                }
            }
        }

        var expected = new Dictionary<string, double>();
        for (int i = 1; i < levelsA; i++)
        {
            expected[$"a[a{i:D3}]"] = meanA[i] - meanA[0];
        }

        for (int j = 1; j < levelsB; j++)
        {
            expected[$"b[b{j:D3}]"] = meanB[j] - meanB[0];
        }

        foreach ((string name, double value) in expected)
        {
            int column = Array.FindIndex(design.ColumnOfSolved, c => design.Columns[c].Name == name);
            Assert.True(column >= 0, name);
            // A balanced layout is perfectly conditioned after scaling (cond ≈ √(I·J)); LSMR's atol = 1e-10
            // bounds the relative error by about cond·atol, and values are O(10): 1e-8 absolute is ample.
            Numeric.AssertClose(value, solution.Coefficients[column], 1e-8, 1e-8, name);
        }

        Assert.True(solution.Converged);
        Assert.True(solution.Iterations <= 3, $"{solution.Iterations} iterations with the exact Schur factor");
    }

    // A chain of levels: worker i works at firms i and i + 1 (two replicates each). The level graph is
    // a path, a tree, so the additive model is saturated: fitted values are the cell means.
    private static string Chain(int workers)
    {
        var lines = new List<string> { "w,f,y" };
        for (int i = 0; i < workers; i++)
        {
            for (int step = 0; step < 2; step++)
            {
                for (int r = 0; r < 2; r++)
                {
                    int y = ((13 * i) + (7 * step) + (5 * r) + ((i * i) % 17)) % 31;
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"w{i:D5},f{i + step:D5},{y}"));
                }
            }
        }

        return string.Join('\n', lines) + "\n";
    }

    [Fact]
    public void Low_mobility_chain_beyond_the_dense_limit_is_solved_exactly_in_a_few_iterations()
    {
        // MaxSchurColumns + 100 workers: the Schur complement is just beyond AbsorbedGram.MaxSchurColumns,
        // so the sparse path (minimum-degree Cholesky of S, a path-graph Laplacian: no fill) is used.
        (Design design, FitOptions options) = Build(Chain(Keel.Absorption.AbsorbedGram.MaxSchurColumns + 100), "y ~ w + f");

        LeastSquaresSolution solution = IterativeSolve.Solve(design, options.Iterative, default);
        LeastSquaresSolution plain = IterativeSolve.Solve(design, options.Iterative with { Preconditioned = false }, default);

        double[] fitted = solution.FittedByCell(design);
        // Saturated model: fitted = cell mean. Means are O(30); the path Laplacian is badly conditioned
        // (cond ~ n² ≈ 7e6) but the exact factor makes the preconditioned operator orthonormal, and the
        // refinement check bounds ‖D·Aᵀr‖ by 1e-10·√n·‖r‖: 1e-7 absolute leaves a wide margin.
        Numeric.AssertClose(design.CellMean, fitted, 0, 1e-7, "fitted vs cell means");
        Assert.Contains("sparse Cholesky", solution.SolverNote);
        Assert.True(solution.Iterations <= 3, $"{solution.Iterations} iterations with the sparse factor");
        Assert.True(plain.Iterations > 100 * solution.Iterations, $"plain LSMR {plain.Iterations} vs {solution.Iterations}");
    }

    [Fact]
    public void Same_bits_for_one_and_two_threads()
    {
        // 4,200 workers: 16,800 rows in 8,400 cells, enough for the parallel products to engage.
        (Design design, FitOptions options) = Build(Chain(4200), "y ~ w + f", threads: 1);

        double[] one = IterativeSolve.Solve(design, options.Iterative, default).Coefficients;
        double[] two = IterativeSolve.Solve(design, options.Iterative with { Threads = 2 }, default).Coefficients;

        Assert.Equal(one.Select(BitConverter.DoubleToInt64Bits), two.Select(BitConverter.DoubleToInt64Bits));
    }

    public static TheoryData<string> Factors => ["dense", "sparse-complete", "sparse-ic0", "diagonal"];

    [Theory]
    [MemberData(nameof(Factors))]
    public void Operator_is_A_times_R_inverse_and_its_transpose_is_the_adjoint(string kind)
    {
        (string csv, _) = Balanced(9, 6, 1);
        (Design design, _) = Build(csv, "y ~ a + b");
        var a = new DesignOperator(design);
        var gram = Keel.Absorption.AbsorbedGram.TryCreate(design)!;
        var op = SchurPreconditioner.TryCreate(design, a, gram, gram.Aliased)!;
        if (kind != "dense")
        {
            op = WithFactor(design, a, gram, kind);
        }

        var rng = new Random(7);
        double[] y = Enumerable.Range(0, op.Columns).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] u = Enumerable.Range(0, op.Rows).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var ay = new double[op.Rows];
        var atu = new double[op.Columns];
        var x = new double[a.Columns];
        var ax = new double[op.Rows];

        op.Multiply(y, ay);
        op.MultiplyTransposed(u, atu);
        op.ToOriginal(y, x);
        a.Multiply(x, ax);

        // Both identities hold in exact arithmetic; the vectors are O(1) and the operator's norm O(10),
        // so rounding stays below 1e-12.
        Numeric.AssertClose(ax, ay, 0, 1e-12, "A·(R⁻¹y) vs (A·R⁻¹)y");
        Numeric.AssertClose(Kernels.Dot(ay, u), Kernels.Dot(y, atu), 0, 1e-12, "adjoint");
    }

    [Theory]
    [MemberData(nameof(Factors))]
    public void Inverse_Gram_product_inverts_the_Gram_matrix_when_the_factor_is_exact(string kind)
    {
        // The condition estimate's sigma_min rests on R⁻¹R⁻ᵀ = (AᵀA)⁻¹ over the kept columns.
        (string csv, _) = Balanced(9, 6, 1);
        (Design design, _) = Build(csv, "y ~ a + b");
        var a = new DesignOperator(design);
        var gram = Keel.Absorption.AbsorbedGram.TryCreate(design)!;
        var op = kind == "dense" ? SchurPreconditioner.TryCreate(design, a, gram, gram.Aliased)! : WithFactor(design, a, gram, kind);
        Assert.Equal(kind is "dense" or "sparse-complete", op.IsExact);

        var rng = new Random(11);
        double[] g = Enumerable.Range(0, a.Columns).Select(j => gram.Aliased[j] ? 0 : rng.NextDouble() - 0.5).ToArray();
        var x = new double[a.Columns];
        op.MultiplyInverseGram(g, x);
        var ax = new double[a.Rows];
        var gramX = new double[a.Columns];
        a.Multiply(x, ax);
        a.MultiplyTransposed(ax, gramX);
        // AᵀA·x = g back, when exact: g and x are O(1), AᵀA's condition number is below 100, so 1e-12.
        double error = Enumerable.Range(0, a.Columns).Where(j => !gram.Aliased[j]).Max(j => Math.Abs(gramX[j] - g[j]));
        if (op.IsExact)
        {
            Assert.True(error < 1e-12, $"|AᵀA·x − g| = {error}");
        }
        else if (kind == "diagonal")
        {
            // (IC(0) on this S, which is dense, happens to be complete; it is still not claimed exact.)
            Assert.True(error > 1e-6, $"diag(S) should not invert AᵀA (|AᵀA·x − g| = {error})");
        }
    }

    [Theory]
    [InlineData("dense")]
    [InlineData("diagonal")]
    public void Condition_estimate_through_an_exact_or_approximate_factor_is_within_2x_of_the_SVD(string kind)
    {
        // Weakly crossed factors: diag(S) is then a genuinely approximate factor.
        var rng = new Random(21);
        var lines = new List<string> { "a,b,y" };
        for (int i = 0; i < 600; i++)
        {
            // b is a function of a but for 3% of the rows: a near-dependency between the factors.
            int a = i < 40 ? i : rng.Next(40);
            int b = i < 15 ? i : rng.NextDouble() < 0.97 ? a % 15 : rng.Next(15);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"a{a:D2},b{b:D2},{rng.NextDouble():R}"));
        }

        (Design design, _) = Build(string.Join('\n', lines) + "\n", "y ~ a + b");
        var op = new DesignOperator(design);
        var gram = Keel.Absorption.AbsorbedGram.TryCreate(design)!;
        var preconditioned = kind == "dense" ? SchurPreconditioner.TryCreate(design, op, gram, gram.Aliased)! : WithFactor(design, op, gram, kind);
        Assert.Equal(kind == "dense", preconditioned.IsExact);
        double[] squaredNorms = design.ColumnSquaredNorms().Select((s, j) => gram.Aliased[j] ? 0 : s).ToArray();
        var outcome = ConditionEstimate.Estimate(op, squaredNorms, preconditioned);

        // Independent: MathNet's SVD of the materialised √W·X over the kept columns, scaled to unit length.
        double[] dense = op.ToDenseColumnMajor();
        int[] kept = Enumerable.Range(0, design.SolvedCount).Where(j => !gram.Aliased[j]).ToArray();
        var x = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(design.CellCount, kept.Length, (c, t) => dense[c + ((long)kept[t] * design.CellCount)] / Math.Sqrt(squaredNorms[kept[t]]));
        var sv = x.Svd(computeVectors: false).S;
        double exact = sv.Maximum() / sv.Minimum();
        Assert.True(exact >= 10, $"the case is meant to be ill-conditioned enough to tell estimates apart; exact {exact}");
        double estimate = outcome.ConditionNumber!.Value;
        if (kind == "dense")
        {
            // The promise: a lower bound (to rounding, 1e-9) at most 2x low.
            Assert.True(estimate >= exact / 2 && estimate <= exact * (1 + 1e-9), $"estimate {estimate} vs exact {exact}: {outcome.Method}");
        }
        else
        {
            // The promise: the exact value inside the stated bracket, i.e. within its stated factor of the
            // estimate (1.01: the factor is printed to 3 digits).
            var stated = System.Text.RegularExpressions.Regex.Match(outcome.Method, @"within a factor ([0-9.]+) of either end");
            Assert.True(stated.Success, outcome.Method);
            double factor = double.Parse(stated.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(factor, 1, 10); // diag(S) still preconditions: the bracket is informative
            Assert.True(estimate / factor <= exact * 1.01 && exact <= estimate * factor * 1.01, $"estimate {estimate} vs exact {exact}: {outcome.Method}");
        }
    }

    // Rebuilds the operator on the rank decision's kept columns with a sparse or diagonal factor of S.
    private static SchurPreconditionedOperator WithFactor(Design design, DesignOperator a, Keel.Absorption.AbsorbedGram gram, string kind)
    {
        int[] keptRest = gram.Cholesky.Kept.Select(k => gram.Rest[k]).ToArray();
        int r = keptRest.Length;
        var absorbedOf = new int[design.SolvedCount];
        Array.Fill(absorbedOf, -1);
        for (int k = 0; k < gram.Absorbed.Length; k++)
        {
            absorbedOf[gram.Absorbed[k]] = k;
        }

        var absorbedOfCell = new int[design.CellCount];
        var valueOfCell = new double[design.CellCount];
        Array.Fill(absorbedOfCell, -1);
        for (int c = 0; c < design.CellCount; c++)
        {
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int j = design.SlotColumn[(c * design.SlotsPerCell) + s];
                if (j >= 0 && absorbedOf[j] >= 0)
                {
                    absorbedOfCell[c] = absorbedOf[j];
                    valueOfCell[c] = Math.Sqrt(design.CellWeight[c]) * design.SlotValue[(c * design.SlotsPerCell) + s];
                }
            }
        }

        var keptOf = new int[design.SolvedCount];
        Array.Fill(keptOf, -1);
        for (int t = 0; t < r; t++)
        {
            keptOf[keptRest[t]] = t;
        }

        ISchurFactor factor;
        if (kind == "diagonal")
        {
            factor = new DiagonalSchurFactor(SparseSchurComplement.Diagonal(design, absorbedOfCell, valueOfCell, gram.Absorbed.Length, keptOf, r).Select(Math.Sqrt).ToArray());
        }
        else
        {
            var s = SparseSchurComplement.TryBuildLower(design, absorbedOfCell, valueOfCell, gram.Absorbed.Length, keptOf, r, long.MaxValue)!.Value;
            (int[] order, int[][]? later) = kind == "sparse-complete"
                ? MinimumDegreeOrdering.Compute(s.RowStart, s.Column, long.MaxValue / 8)
                : (MinimumDegreeOrdering.DegreeOrder(s.RowStart, s.Column), null);
            factor = SparseCholeskyFactor.Factor(s.RowStart, s.Column, s.Value, order, later, SchurPreconditioner.PivotFloor);
        }

        return new SchurPreconditionedOperator(a, design, gram.Absorbed, keptRest, absorbedOfCell, valueOfCell, factor);
    }

    [Fact]
    public void Complete_sparse_factor_reproduces_S()
    {
        // S: the Laplacian of a 5-cycle plus the identity (SPD), lower triangle in CSR, diagonal last.
        int[] rowStart = [0, 1, 3, 5, 7, 10];
        int[] column = [0, 0, 1, 1, 2, 2, 3, 0, 3, 4];
        double[] value = [3, -1, 3, -1, 3, -1, 3, -1, -1, 3];
        (int[] order, int[][]? later) = MinimumDegreeOrdering.Compute(rowStart, column, 100);
        Assert.NotNull(later);
        var factor = SparseCholeskyFactor.Factor(rowStart, column, value, order, later, SchurPreconditioner.PivotFloor);

        double[] x = [1, -2, 0.5, 3, -1];
        // v = S·x, then L⁻ᵀL⁻¹v = S⁻¹v = x. S is well conditioned (eigenvalues in [1, 5]): 1e-14.
        double[] v =
        [
            (3 * x[0]) - x[1] - x[4], (3 * x[1]) - x[0] - x[2], (3 * x[2]) - x[1] - x[3],
            (3 * x[3]) - x[2] - x[4], (3 * x[4]) - x[3] - x[0],
        ];
        factor.SolveLower(v);
        factor.SolveUpper(v);
        Numeric.AssertClose(x, v, 1e-14, 1e-14, "S⁻¹·S·x");
        Assert.Equal(0.0, factor.Shift);
    }
}
