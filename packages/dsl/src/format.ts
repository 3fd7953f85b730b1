/**
 * `format` (`gan fmt`): one canonical layout for a `.gan` file.
 *
 * - two spaces of indentation per block, one statement, layer or train setting per line;
 * - objects inline (`{ lr: 2e-4, beta1: 0.5 }`) unless a comment sits inside them, in which
 *   case one entry per line, so the comment keeps its place; the same for lists;
 * - numbers as written (`2e-4` stays `2e-4`), spaces around `+` and `-` but not `*` and `/`
 *   (`7*7*128`, `2*64 + 1`), as PEP 8 suggests;
 * - comments kept: a comment on its own line stays on its own line before what follows it,
 *   a comment after code on a line stays at the end of that line; one blank line is kept
 *   where the source had one or more.
 *
 * It is printed from the syntax tree, so it only formats a file without syntax errors, and
 * it is idempotent: the output of a second run is the output of the first.
 */
import type { IToken } from "chevrotain";
import type * as ast from "./ast.js";
import { hasErrors, type Diagnostic } from "./diagnostics.js";
import { parseDetailed, TOO_DEEP_MESSAGE } from "./parse.js";
import { BlockComment } from "./tokens.js";

export interface FormatResult {
  /** The formatted text; absent when the file has syntax errors (then in `diagnostics`). */
  text?: string;
  diagnostics: Diagnostic[];
}

export function format(text: string, file: string): FormatResult {
  try {
    const parsed = parseDetailed(text, file);
    if (parsed.ast === undefined || hasErrors(parsed.diagnostics)) return { diagnostics: parsed.diagnostics };
    return { text: new Printer(parsed.comments).spec(parsed.ast), diagnostics: parsed.diagnostics };
  } catch (error) {
    const message =
      error instanceof RangeError
        ? TOO_DEEP_MESSAGE
        : `internal error in the formatter, please report it: ${error instanceof Error ? error.message : String(error)}`;
    return { diagnostics: [{ file, line: 1, column: 1, severity: "error", message }] };
  }
}

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*$/;

export function expressionText(expression: ast.Expression | undefined): string {
  if (expression === undefined) return "";
  switch (expression.kind) {
    case "number":
      return expression.text;
    case "unary":
      return `${expression.operator}${expressionText(expression.operand)}`;
    case "binary": {
      // Down the left spine in a loop, as a long sum is as deep as it is long.
      const spine: ast.BinaryExpression[] = [];
      let leftmost: ast.Expression = expression;
      while (leftmost.kind === "binary") {
        spine.push(leftmost);
        leftmost = leftmost.left;
      }
      let text = expressionText(leftmost);
      for (let i = spine.length - 1; i >= 0; i--) {
        const node = spine[i]!;
        // As PEP 8 suggests: space around the operators of lowest priority only (`7*7*128`, `2*64 + 1`).
        const operator = node.operator === "+" || node.operator === "-" ? ` ${node.operator} ` : node.operator;
        text += `${operator}${expressionText(node.right)}`;
      }
      return text;
    }
    case "paren":
      return `(${expressionText(expression.expression)})`;
  }
}

function keyText(key: ast.Word): string {
  return BARE_KEY.test(key.text) ? key.text : JSON.stringify(key.text);
}

function scheduleText(schedule: ast.ScheduleValue): string {
  if (schedule.kind === "step") {
    const changes = schedule.changes.map((change) => `, ${expressionText(change.value)} at ${expressionText(change.at)}`).join("");
    return `step(${expressionText(schedule.initial)}${changes})`;
  }
  const bounds = [
    schedule.start !== undefined ? `from ${expressionText(schedule.start)}` : "",
    schedule.end !== undefined ? `until ${expressionText(schedule.end)}` : "",
  ].filter(Boolean);
  return `${schedule.curve}(${expressionText(schedule.from)} -> ${expressionText(schedule.to)}${bounds.length > 0 ? `, ${bounds.join(" ")}` : ""})`;
}

function wordOrValueText(value: ast.Expression | ast.Word | ast.StringValue | undefined): string {
  if (value === undefined) return "";
  if (!("kind" in value)) return value.text;
  if (value.kind === "string") return JSON.stringify(value.value);
  return expressionText(value);
}

class Printer {
  private readonly lines: string[] = [];
  private current = "";
  /** Index of the next comment not yet printed. */
  private next = 0;
  /** The source line where the last thing printed ends, to keep blank lines. */
  private lastLine = 0;
  /** True right after an opening brace: no blank line there. */
  private blockStart = true;

  constructor(private readonly comments: readonly IToken[]) {}

  // -------------------------------------------------------------------------
  // Lines and comments
  // -------------------------------------------------------------------------

  private startLine(indent: number, sourceLine: number, allowBlank = true): void {
    if (allowBlank && !this.blockStart && sourceLine - this.lastLine > 1) this.lines.push("");
    this.current = "  ".repeat(indent);
    this.blockStart = false;
  }

  private write(text: string): void {
    this.current += text;
  }

  /** Ends the current line, with the comments that belong at its end. */
  private endLine(endOffset: number, endLine: number, limitOffset: number): void {
    const trailing: string[] = [];
    for (;;) {
      const comment = this.comments[this.next];
      if (comment === undefined || comment.startOffset >= limitOffset) break;
      if (comment.startOffset > endOffset && comment.startLine !== endLine) break;
      trailing.push(commentText(comment));
      this.lastLine = Math.max(this.lastLine, comment.endLine ?? endLine);
      this.next++;
    }
    this.lines.push((trailing.length > 0 ? `${this.current} ${trailing.join(" ")}` : this.current).trimEnd());
    this.current = "";
    this.lastLine = Math.max(this.lastLine, endLine);
  }

  /** Comments on lines of their own before `offset`. */
  private leadingComments(offset: number, indent: number): void {
    for (;;) {
      const comment = this.comments[this.next];
      if (comment === undefined || comment.startOffset >= offset) break;
      this.startLine(indent, comment.startLine ?? this.lastLine);
      this.write(commentText(comment));
      this.lines.push(this.current.trimEnd());
      this.current = "";
      this.lastLine = comment.endLine ?? this.lastLine;
      this.next++;
    }
  }

  private hasCommentInside(span: ast.Span): boolean {
    for (let i = this.next; i < this.comments.length; i++) {
      const comment = this.comments[i]!;
      if (comment.startOffset > span.endOffset) return false;
      if (comment.startOffset >= span.startOffset) return true;
    }
    return false;
  }

  /** One item of a block on its line(s): leading comments, the item, its trailing comments. */
  private item(indent: number, span: ast.Span, limitOffset: number, writeItem: () => void): void {
    this.leadingComments(span.startOffset, indent);
    this.startLine(indent, span.line);
    writeItem();
    this.endLine(span.endOffset, span.endLine, limitOffset);
  }

  /**
   * `header {`, the items one per line, `}`; `header {}` when it holds nothing. `writeHeader`
   * writes what comes before the brace.
   */
  private block<T extends { span: ast.Span }>(
    indent: number,
    span: ast.Span,
    open: ast.Span,
    close: ast.Span,
    limitOffset: number,
    writeHeader: () => void,
    items: readonly T[],
    writeItem: (item: T, indent: number, limit: number) => void,
  ): void {
    this.leadingComments(span.startOffset, indent);
    this.startLine(indent, span.line);
    writeHeader();
    if (items.length === 0 && !this.hasCommentInside({ ...open, endOffset: close.startOffset })) {
      this.write(" {}");
      this.endLine(close.endOffset, close.line, limitOffset);
      return;
    }
    this.write(" {");
    this.endLine(open.endOffset, open.line, items[0]?.span.startOffset ?? close.startOffset);
    this.blockStart = true;
    items.forEach((child, i) => {
      const limit = items[i + 1]?.span.startOffset ?? close.startOffset;
      this.item(indent + 1, child.span, limit, () => writeItem(child, indent + 1, limit));
    });
    this.leadingComments(close.startOffset, indent + 1);
    this.startLine(indent, close.line, false);
    this.write("}");
    this.endLine(close.endOffset, close.line, limitOffset);
  }

  // -------------------------------------------------------------------------
  // The spec
  // -------------------------------------------------------------------------

  spec(spec: ast.SpecNode): string {
    const name = spec.name === undefined ? "" : "value" in spec.name ? JSON.stringify(spec.name.value) : spec.name.text;
    this.block(
      0,
      spec.span,
      spec.open!,
      spec.close!,
      Infinity,
      () => this.write(`gan ${name}`),
      spec.statements,
      (statement, indent) => this.statement(statement, indent),
    );
    this.leadingComments(Infinity, 0);
    return `${this.lines.join("\n")}\n`;
  }

  /** Writes a statement whose first line `item` has started (blocks end their own lines). */
  private statement(statement: ast.Statement, indent: number): void {
    switch (statement.kind) {
      case "data":
        this.write(`data ${statement.source?.text ?? ""}`);
        if (statement.path !== undefined) this.write(` ${JSON.stringify(statement.path.value)}`);
        if (statement.options !== undefined) {
          this.write(" ");
          this.object(statement.options, indent);
        }
        return;
      case "latent":
        this.write(`latent ${expressionText(statement.size)}`);
        if (statement.distribution !== undefined) this.write(` ${statement.distribution.text}`);
        return;
      case "condition":
        this.write(`condition ${statement.on?.text ?? ""}`);
        if (statement.options !== undefined) {
          this.write(" ");
          this.object(statement.options, indent);
        }
        return;
      case "loss":
        this.write(`loss ${statement.loss?.text ?? ""}`);
        return;
      case "optimizer":
        this.write("optimizer");
        if (statement.network !== undefined) this.write(` ${statement.network.text}`);
        this.write(` ${statement.optimizer?.text ?? ""}`);
        if (statement.options !== undefined) {
          this.write(" ");
          this.object(statement.options, indent);
        }
        return;
      case "use":
        this.write(`use ${JSON.stringify(statement.package?.value ?? "")}`);
        if (statement.options !== undefined) {
          this.write(" ");
          this.object(statement.options, indent);
        }
        if (statement.from !== undefined) this.write(` from ${expressionText(statement.from)}`);
        if (statement.until !== undefined) this.write(` until ${expressionText(statement.until)}`);
        return;
      case "network":
        this.nestedBlock(indent, statement, statement.network, statement.layers, (layer) => this.layer(layer, indent + 1));
        return;
      case "train":
        this.nestedBlock(indent, statement, "train", statement.settings, (setting) => this.trainSetting(setting, indent + 1));
        return;
    }
  }

  /**
   * A block statement inside the spec. `item` has already started its line and will end the
   * last one, so the block is printed here line by line and its closing line left open.
   */
  private nestedBlock<T extends { span: ast.Span }>(
    indent: number,
    statement: { span: ast.Span; open?: ast.Span; close?: ast.Span },
    header: string,
    items: readonly T[],
    writeItem: (item: T) => void,
  ): void {
    const open = statement.open!;
    const close = statement.close!;
    this.write(header);
    if (items.length === 0 && !this.hasCommentInside({ ...open, endOffset: close.startOffset })) {
      this.write(" {}");
      return;
    }
    this.write(" {");
    this.endLine(open.endOffset, open.line, items[0]?.span.startOffset ?? close.startOffset);
    this.blockStart = true;
    items.forEach((child, i) => {
      const limit = items[i + 1]?.span.startOffset ?? close.startOffset;
      this.item(indent + 1, child.span, limit, () => writeItem(child));
    });
    this.leadingComments(close.startOffset, indent + 1);
    this.startLine(indent, close.line, false);
    this.write("}");
  }

  private layer(layer: ast.LayerNode, indent: number): void {
    const layerLine = (child: ast.LayerNode) => this.layer(child, indent + 1);
    if (layer.kind === "residual") {
      this.nestedBlock(indent, layer.body!, "residual", layer.body!.layers, layerLine);
      if (layer.shortcut !== undefined) {
        this.write(" ");
        this.nestedBlock(indent, layer.shortcut, "shortcut", layer.shortcut.layers, layerLine);
      }
      return;
    }
    if (layer.kind === "merge" || layer.kind === "branch") {
      this.nestedBlock(indent, layer.body!, layer.keyword.text, layer.body!.layers, layerLine);
      return;
    }
    if (layer.kind === "activationLayer") this.activation(layer.activation);
    else {
      this.write(layer.keyword.text);
      if (layer.argument !== undefined) {
        this.write(" ");
        if (layer.argument.kind === "list") this.list(layer.argument, indent);
        else this.write(expressionText(layer.argument));
      }
    }
    for (const item of layer.tail) {
      this.write(" ");
      if (item.kind === "activation") this.activation(item);
      else this.write(`${item.name.text}${item.value !== undefined ? ` ${wordOrValueText(item.value)}` : ""}`);
    }
  }

  private activation(activation: ast.ActivationNode): void {
    this.write(activation.name.text);
    if (activation.alpha !== undefined) this.write(` ${expressionText(activation.alpha)}`);
  }

  private trainSetting(setting: ast.TrainSetting, indent: number): void {
    this.write(setting.name.text);
    if (setting.every !== undefined) this.write(" every");
    for (const value of [setting.value, ...(setting.more ?? [])]) if (value !== undefined) this.write(` ${wordOrValueText(value)}`);
    if (setting.options !== undefined) {
      this.write(" ");
      this.object(setting.options, indent);
    }
  }

  // -------------------------------------------------------------------------
  // Values
  // -------------------------------------------------------------------------

  private value(value: ast.Value | undefined, indent: number): void {
    if (value === undefined) return;
    switch (value.kind) {
      case "object":
        this.object(value, indent);
        return;
      case "list":
        this.list(value, indent);
        return;
      case "string":
        this.write(JSON.stringify(value.value));
        return;
      case "boolean":
        this.write(String(value.value));
        return;
      case "ramp":
      case "step":
        this.write(scheduleText(value));
        return;
      default:
        this.write(expressionText(value));
    }
  }

  private object(object: ast.ObjectValue, indent: number): void {
    this.container(
      object,
      indent,
      "{",
      "}",
      object.entries,
      (entry, inner) => {
        this.write(`${keyText(entry.key)}: `);
        this.value(entry.value, inner);
      },
      true,
    );
  }

  private list(list: ast.ListValue, indent: number): void {
    this.container(list, indent, "[", "]", list.items, (item, inner) => this.value(item, inner), false);
  }

  /** `{ a: 1, b: 2 }` / `[1, 2]` inline, or one element per line when a comment is inside. */
  private container<T extends { span: ast.Span }>(
    node: { span: ast.Span; open?: ast.Span; close?: ast.Span },
    indent: number,
    openText: string,
    closeText: string,
    elements: readonly T[],
    writeElement: (element: T, indent: number) => void,
    spaced: boolean,
  ): void {
    if (!this.hasCommentInside(node.span)) {
      if (elements.length === 0) {
        this.write(`${openText}${closeText}`);
        return;
      }
      this.write(spaced ? `${openText} ` : openText);
      elements.forEach((element, i) => {
        if (i > 0) this.write(", ");
        writeElement(element, indent);
      });
      this.write(spaced ? ` ${closeText}` : closeText);
      return;
    }
    const open = node.open!;
    const close = node.close!;
    this.write(openText);
    this.endLine(open.endOffset, open.line, elements[0]?.span.startOffset ?? close.startOffset);
    this.blockStart = true;
    elements.forEach((element, i) => {
      const limit = elements[i + 1]?.span.startOffset ?? close.startOffset;
      this.item(indent + 1, element.span, limit, () => {
        writeElement(element, indent + 1);
        this.write(",");
      });
    });
    this.leadingComments(close.startOffset, indent + 1);
    this.startLine(indent, close.line, false);
    this.write(closeText);
  }
}

function commentText(comment: IToken): string {
  return comment.tokenType === BlockComment ? comment.image : comment.image.trimEnd();
}
