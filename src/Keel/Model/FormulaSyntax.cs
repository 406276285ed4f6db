// The syntax tree of a formula as written, before expansion into terms. Chains of one operator
// are single n-ary nodes (a + b + c is one SumNode), so the tree is only as deep as the
// parentheses are nested; a long formula cannot overflow the stack of the recursive passes.
// Every node keeps the 0-based offset of its first character for error messages.
namespace Keel.Model;

/// <summary>The whole formula: response, then the right-hand side after '~'.</summary>
internal sealed record FormulaSyntax(Response Response, int ResponsePosition, FormulaNode RightSide);

internal abstract record FormulaNode(int Position);

/// <summary>A column or a function of one column: <c>x</c>, <c>C(x)</c>, <c>log(x)</c>, <c>I(x^2)</c>, <c>poly(...)</c>.</summary>
internal sealed record FactorNode(Factor Factor, int Position) : FormulaNode(Position);

/// <summary>The literal 1 (intercept) or 0 (no intercept).</summary>
internal sealed record InterceptNode(bool Present, int Position) : FormulaNode(Position);

/// <summary>One operand of a sum with its sign; <c>Subtract</c> for '-' (removal).</summary>
internal sealed record Summand(bool Subtract, FormulaNode Operand);

/// <summary><c>a + b - c</c>: applied left to right, adding or removing terms.</summary>
internal sealed record SumNode(IReadOnlyList<Summand> Summands, int Position) : FormulaNode(Position);

/// <summary><c>a * b * c</c>: all main effects and interactions of the operands.</summary>
internal sealed record CrossNode(IReadOnlyList<FormulaNode> Operands, int Position) : FormulaNode(Position);

/// <summary><c>a : b : c</c>: the interaction of the operands.</summary>
internal sealed record InteractionNode(IReadOnlyList<FormulaNode> Operands, int Position) : FormulaNode(Position);

/// <summary><c>offset(log(e))</c> or <c>offset(o)</c>: a known part of the linear predictor (a summand of the top-level sum only).</summary>
internal sealed record OffsetNode(Offset Offset, int Position) : FormulaNode(Position);
