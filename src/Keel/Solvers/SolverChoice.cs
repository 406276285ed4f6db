namespace Keel.Solvers;

/// <summary>Which least-squares method to use.</summary>
internal enum SolverChoice
{
    /// <summary>Dense QR when the problem is small enough, LSMR otherwise; the result says why.</summary>
    Auto,

    /// <summary>Householder QR with sequential rank decisions and refinement.</summary>
    Qr,

    /// <summary>LSMR (Fong &amp; Saunders 2011) over the code structure.</summary>
    Lsmr,

    /// <summary>Ridge (α = 0), exact by the augmented least-squares problem.</summary>
    Ridge,

    /// <summary>Lasso (α = 1) by coordinate descent on the cells.</summary>
    Lasso,

    /// <summary>Elastic net (α from --alpha) by coordinate descent on the cells.</summary>
    ElasticNet,

    /// <summary>Averaged stochastic gradient descent on the cells (Polyak &amp; Juditsky 1992).</summary>
    Sgd,
}
