namespace Keel.Solvers;

/// <summary>
/// What the iterative path (<see cref="IterativeSolve"/>) needs from a fit's options: the solver
/// takes these, not the pipeline's options, so that the solvers depend on nothing upstream.
/// </summary>
/// <param name="Threads">Threads for the products and the rank decision; results do not depend on it.</param>
/// <param name="Tolerance">LSMR's tolerance on ‖Aᵀr‖ relative to ‖A‖·‖r‖ (and on ‖r‖ relative to ‖b‖).</param>
/// <param name="MaxIterations">Iteration cap for LSMR; null for its own default.</param>
/// <param name="Preconditioned">The absorbed-factor (Schur) preconditioner when it applies (`--solver auto`); false for plain column scaling (`--solver lsmr`).</param>
/// <param name="DiagnoseOnly">`keel diagnose`: rank, aliasing, conditioning and standard-error factors, no iterations.</param>
internal sealed record IterativeSettings(int Threads, double Tolerance, int? MaxIterations, bool Preconditioned, bool DiagnoseOnly);
