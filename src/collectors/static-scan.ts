/**
 * Static scan (plan Task 3.1): a TYPE-RESOLVED scan of plugin sources. A call is a dataset
 * access when the type checker resolves it to a method of the DatasetAccessor interface
 * (src/dataset/types.ts) — so `const d = ctx.dataset; d.load()`, `const { load } = ctx.dataset`,
 * a helper taking the accessor as a parameter and registry-built plugins are all classified,
 * not just the text `ctx.dataset.load`.
 *
 * ts-morph owns the Project and the checker; the hot walk runs over the raw compiler nodes
 * (`compilerNode`, `ts.forEachChild`): wrapping every node in ts-morph objects cost 1.9–2.6×
 * on this machine (DESIGN.md traps; bench/static-scan.bench.ts measures both walks).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Project, ts, type SourceFile } from 'ts-morph';
import { HarnessError } from '../common/errors.ts';
import type { ACCESS_CLASSES } from './catalog.ts';

export type AccessClass = (typeof ACCESS_CLASSES)[number];
export type AccessMethod = 'iterBatches' | 'load' | 'sql';

/** One access call site, as published in `access.locations`. */
export interface AccessLocation {
  /** Repo-relative path (absolute when the file lies outside the repo). */
  file: string;
  line: number;
  column: number;
  /** Name of the enclosing function (`<module>` at top level). */
  function: string;
  /** The call text, whitespace collapsed, capped. */
  snippet: string;
  class: AccessClass;
}

export interface PluginScanTarget {
  id: string;
  /** Absolute path of the plugin's entry module. */
  file: string;
}

export interface PluginScan {
  id: string;
  /** Sorted unique; `orchestration_only` when the plugin has no access site at all. */
  classes: AccessClass[];
  /** Sorted by file, line, column. */
  locations: AccessLocation[];
  /** `file:line function` per site, for messages. */
  sites: string;
  /** Repo-relative source files the scan attributed to the plugin (entry + local imports). */
  files: string[];
}

export type ScanWalker = 'compiler' | 'ts-morph';

export interface ScanOptions {
  repoRoot: string;
  /** Which node walk to use (the bench compares them; results are identical). Default compiler. */
  walker?: ScanWalker;
}

/** The harness root (holds src/ and the build), from this module's location in either. */
const HARNESS_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HARNESS_SRC = join(HARNESS_ROOT, 'src');
/** The tree this module runs from: src/ itself, or a build of it (dist/, or a test run's private build). */
const RUNNING_TREE = resolve(fileURLToPath(new URL('../', import.meta.url)));
const BUILD_DIRS = [...new Set([join(HARNESS_ROOT, 'dist'), RUNNING_TREE])].filter((d) => d !== resolve(HARNESS_SRC));
const ACCESSOR_TYPES = join(HARNESS_SRC, 'dataset', 'types.ts');
const SDK_FILE = join(HARNESS_SRC, 'plugins', 'sdk.ts');
const SNIPPET_MAX = 160;
const ACCESS_METHODS: ReadonlySet<string> = new Set(['iterBatches', 'load', 'sql']);

/** A call site before attribution to plugins. */
export interface RawSite {
  file: string;
  pos: number;
  line: number;
  column: number;
  function: string;
  snippet: string;
  class: AccessClass;
  /** Outside every function: runs when the module is imported, so it belongs to every plugin importing it. */
  moduleLevel: boolean;
}

/** A `definePlugin({ id })` call: sites inside it belong to that id (when the id is a literal). */
interface PluginRange {
  pos: number;
  end: number;
  id: string | undefined;
  node: ts.CallExpression;
}

interface FileScan {
  sites: RawSite[];
  plugins: PluginRange[];
}

/**
 * Compiled plugin modules under the harness's dist/ are scanned from their TypeScript source
 * in src/ (the package ships both), so locations point at the code an author edits.
 */
export function scanSourceFor(file: string): string {
  const build = BUILD_DIRS.find((d) => file.startsWith(d + sep));
  if (build === undefined) return file;
  const src = join(HARNESS_SRC, file.slice(build.length + 1)).replace(/\.m?js$/, '.ts');
  return existsSync(src) ? src : file;
}

/** Create the scan Project: 'stat-harness' resolves to the harness source, JS plugins included. */
export function createScanProject(): Project {
  const project = new Project({
    compilerOptions: {
      allowJs: true,
      checkJs: false,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      // No @types: plugin code using node APIs still resolves accessor calls, and lib loading stays cheap.
      types: [],
      // No DOM: plugins run in Node, and the DOM lib is most of the default lib's parse time.
      lib: ['lib.es2023.d.ts'],
      paths: { 'stat-harness': [join(HARNESS_SRC, 'index.ts')] },
    },
    skipAddingFilesFromTsConfig: true,
  });
  if (!existsSync(ACCESSOR_TYPES)) {
    throw new HarnessError('static-scan', `the accessor contract ${ACCESSOR_TYPES} is missing, so plugin calls cannot be type-resolved`, {
      hint: 'reinstall stat-harness (the package ships src/)',
    });
  }
  project.addSourceFileAtPath(ACCESSOR_TYPES);
  return project;
}

/** The project's DatasetAccessor interface declaration (the identity every call is resolved against). */
function accessorInterface(project: Project): ts.InterfaceDeclaration {
  return project.getSourceFileOrThrow(ACCESSOR_TYPES).getInterfaceOrThrow('DatasetAccessor').compilerNode;
}

/** Which accessor method a resolved signature declaration is, if any. */
function accessorMethod(decl: ts.Declaration | undefined, accessor: ts.InterfaceDeclaration): AccessMethod | undefined {
  if (decl === undefined || decl.parent !== accessor || !ts.isMethodSignature(decl)) return undefined;
  const name = decl.name.getText();
  return ACCESS_METHODS.has(name) ? (name as AccessMethod) : undefined;
}

/**
 * load(): bounded only when the options' `rowLimit` property is present and its type cannot
 * be undefined (`rowLimit: undefined`, an optional or `number | undefined` limit is unbounded).
 */
function isBoundedByProperty(call: ts.CallExpression, argIndex: number, property: string, checker: ts.TypeChecker): boolean {
  const arg = call.arguments[argIndex];
  if (arg === undefined) return false;
  const type = checker.getTypeAtLocation(arg);
  const prop = type.getProperty(property);
  if (prop === undefined) return false;
  if (prop.flags & ts.SymbolFlags.Optional) return false;
  const propType = checker.getTypeOfSymbolAtLocation(prop, arg);
  const parts = propType.isUnion() ? propType.types : [propType];
  return !parts.some((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0);
}

/** `optionsIndex`: where load()'s options sit among the call's arguments (1 for `load.call(thisArg, options)`). */
export function classify(method: AccessMethod, call: ts.CallExpression, checker: ts.TypeChecker, optionsIndex = 0): AccessClass {
  if (method === 'iterBatches') return 'iter_batches';
  if (method === 'sql') return 'sql_assist';
  return isBoundedByProperty(call, optionsIndex, 'rowLimit', checker) ? 'dataset_loader_bounded' : 'dataset_loader_unbounded';
}

/** The class of a method reached without a checkable call (a value reference, a dynamic key): load cannot be proven bounded. */
function referenceClass(method: AccessMethod): AccessClass {
  return method === 'iterBatches' ? 'iter_batches' : method === 'sql' ? 'sql_assist' : 'dataset_loader_unbounded';
}

function nameText(name: ts.Node | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** Nearest named enclosing function (method, function, or the variable/property an arrow is assigned to). */
export function enclosingFunctionName(node: ts.Node): string {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    if (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) {
      const name = nameText(n.name);
      if (name !== undefined) return name;
    }
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
      const own = ts.isFunctionExpression(n) ? nameText(n.name) : undefined;
      if (own !== undefined) return own;
      const p = n.parent;
      if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) {
        const name = nameText(p.name);
        if (name !== undefined) return name;
      }
    }
  }
  return '<module>';
}

function hasEnclosingFunction(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return true;
  return false;
}

function snippetOf(node: ts.Node, sf: ts.SourceFile): string {
  const text = node.getText(sf).replace(/\s+/g, ' ');
  return text.length > SNIPPET_MAX ? `${text.slice(0, SNIPPET_MAX - 1)}…` : text;
}

/** `definePlugin(...)` resolved to the SDK's function: the literal id of its argument, if any. */
function pluginRange(call: ts.CallExpression, decl: ts.Declaration | undefined, checker: ts.TypeChecker): PluginRange | undefined {
  if (decl === undefined || !ts.isFunctionDeclaration(decl) || decl.name?.text !== 'definePlugin') return undefined;
  if (resolve(decl.getSourceFile().fileName) !== SDK_FILE) return undefined;
  const arg = call.arguments[0];
  let id: string | undefined;
  if (arg !== undefined && ts.isObjectLiteralExpression(arg)) {
    // The object's own property type is widened to string; the initializer's type keeps the literal.
    const prop = arg.properties.find((p) => ts.isPropertyAssignment(p) && nameText(p.name) === 'id');
    const t = prop !== undefined && ts.isPropertyAssignment(prop) ? checker.getTypeAtLocation(prop.initializer) : undefined;
    if (t !== undefined && t.isStringLiteral()) id = t.value;
  }
  return { pos: call.getStart(), end: call.getEnd(), id, node: call };
}

/** What the walk needs besides the node: the file, the checker and the accessor's identity. */
interface ScanContext {
  sf: ts.SourceFile;
  checker: ts.TypeChecker;
  accessor: ts.InterfaceDeclaration;
  out: FileScan;
}

function pushSite(c: ScanContext, at: ts.Node, shown: ts.Node, cls: AccessClass): void {
  const start = at.getStart(c.sf);
  // One site per position and class (`ctx.dataset[k](…)` is both a resolved call and a computed member).
  if (c.out.sites.some((x) => x.pos === start && x.class === cls)) return;
  const lc = c.sf.getLineAndCharacterOfPosition(start);
  c.out.sites.push({
    file: c.sf.fileName,
    pos: start,
    line: lc.line + 1,
    column: lc.character + 1,
    function: enclosingFunctionName(at),
    snippet: snippetOf(shown, c.sf),
    class: cls,
    moduleLevel: !hasEnclosingFunction(at),
  });
}

/** Inspect one call: an accessor site, a definePlugin range, or nothing. */
function inspectCall(call: ts.CallExpression, c: ScanContext): void {
  const decl = c.checker.getResolvedSignature(call)?.getDeclaration();
  const method = accessorMethod(decl, c.accessor);
  if (method !== undefined) {
    pushSite(c, call, call, classify(method, call, c.checker));
    return;
  }
  const range = pluginRange(call, decl, c.checker);
  if (range !== undefined) c.out.plugins.push(range);
}

/*
 * Fail-closed side of the scan (review M5). A direct call the checker resolves to the accessor
 * is classified exactly (inspectCall); every other way of reaching the accessor's methods is a
 * site too, classified as the worst the code could do, because the checker can no longer see
 * the arguments or the receiver:
 *  - a method used as a value: `ctx.dataset.load.call(…)`, `.apply`, `.bind`, `Reflect.apply(
 *    ctx.dataset.load, …)`, `const f = ctx.dataset.load` (load → unbounded; `.call(thisArg,
 *    options)` keeps its options checkable);
 *  - a computed member of the accessor (`ctx.dataset[name]`);
 *  - the accessor (or an object holding it, such as ctx) flowing where its type is lost: cast
 *    to any/unknown/object, passed to an any/unknown/object parameter, assigned to such a
 *    variable, or to a structural look-alike whose methods are not the accessor's;
 *  - `.dataset` read from an any/unknown value (an untyped ctx, a JS plugin without
 *    definePlugin), or destructured from one.
 * When the lost accessor is immediately called (`(ctx.dataset as any).load({ … })`), the call
 * is classified from its arguments as usual; anything else is `dataset_loader_unbounded`.
 */

const LOSSY_FLAGS = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive | ts.TypeFlags.TypeParameter | ts.TypeFlags.Index | ts.TypeFlags.IndexedAccess;
const NULLISH_FLAGS = ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void;
const PRIMITIVE_FLAGS = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.EnumLike | NULLISH_FLAGS | ts.TypeFlags.Never;

function isAccessorType(t: ts.Type, c: ScanContext): boolean {
  if (t.isUnion() || t.isIntersection()) return t.types.some((m) => isAccessorType(m, c));
  return (t.getSymbol()?.declarations ?? []).includes(c.accessor);
}

/** The accessor itself, or an object with a property holding it (the plugin context). */
function holdsAccessor(t: ts.Type, at: ts.Node, c: ScanContext): boolean {
  if (isAccessorType(t, c)) return true;
  if (t.flags & (PRIMITIVE_FLAGS | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  const p = t.getProperty('dataset');
  return p !== undefined && isAccessorType(c.checker.getTypeOfSymbolAtLocation(p, at), c);
}

/** Whether a value holding the accessor keeps its identity in a slot of type `target` (the accessor, a context holding it, a Pick of it). */
function keepsAccessor(target: ts.Type, at: ts.Node, c: ScanContext): boolean {
  if (target.isUnion()) {
    const parts = target.types.filter((m) => !(m.flags & NULLISH_FLAGS));
    return parts.length > 0 && parts.some((m) => keepsAccessor(m, at, c));
  }
  if (target.flags & LOSSY_FLAGS) return false;
  if (isAccessorType(target, c) || holdsAccessor(target, at, c)) return true;
  // A structural type is safe only when the access methods it offers are the accessor's own (Pick<DatasetAccessor, 'load'>).
  if (c.checker.getIndexInfosOfType(target).length > 0) return false;
  const methods = [...ACCESS_METHODS].flatMap((m) => target.getProperty(m) ?? []);
  return methods.length > 0 && methods.every((p) => (p.declarations ?? []).every((d) => d.parent === c.accessor));
}

function skipOuterParens(node: ts.Node): ts.Node {
  let n = node;
  while (ts.isParenthesizedExpression(n.parent) || ts.isNonNullExpression(n.parent)) n = n.parent;
  return n;
}

function memberName(node: ts.PropertyAccessExpression | ts.ElementAccessExpression): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  const arg = node.argumentExpression;
  return ts.isStringLiteralLike(arg) ? arg.text : undefined;
}

/** The call whose callee is `expr` (through parentheses), if any. */
function calledAs(expr: ts.Node): ts.CallExpression | undefined {
  const outer = skipOuterParens(expr);
  return ts.isCallExpression(outer.parent) && outer.parent.expression === outer ? outer.parent : undefined;
}

/**
 * A value whose static type no longer says "accessor" (a cast result, `.dataset` of an any):
 * when it is immediately used as `.load(…)` / `.iterBatches(…)` / `.sql(…)` the call is
 * classified from its arguments; `.info` is not data access; any other use is unbounded.
 */
function opaqueAccessorUse(value: ts.Node, shown: ts.Node, c: ScanContext): void {
  const outer = skipOuterParens(value);
  const parent = outer.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === outer) {
    const name = memberName(parent);
    if (name === 'info') return;
    if (name !== undefined && ACCESS_METHODS.has(name)) {
      const call = calledAs(parent);
      pushSite(c, value, call ?? parent, call ? classify(name as AccessMethod, call, c.checker) : referenceClass(name as AccessMethod));
      return;
    }
  }
  pushSite(c, value, shown, 'dataset_loader_unbounded');
}

/** `X.method.call(thisArg, …)`-style: the accessor passed as thisArg of its own method reference is not an escape. */
function isThisArgOfOwnMethod(arg: ts.Expression, call: ts.CallExpression, c: ScanContext): boolean {
  if (call.arguments[0] !== arg || !ts.isPropertyAccessExpression(call.expression)) return false;
  if (!['call', 'apply', 'bind'].includes(call.expression.name.text)) return false;
  const ref = call.expression.expression;
  return (ts.isPropertyAccessExpression(ref) || ts.isElementAccessExpression(ref)) && isAccessorType(c.checker.getTypeAtLocation(ref.expression), c);
}

/** A member access on the accessor that is not a plain direct call, or a member of an untyped value named `dataset`. */
function inspectMember(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, c: ScanContext): void {
  const name = memberName(node);
  if (name === 'dataset') {
    const objType = c.checker.getTypeAtLocation(node.expression);
    if (objType.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) opaqueAccessorUse(node, node, c);
    return;
  }
  const accessMethod = name !== undefined && ACCESS_METHODS.has(name);
  // Only a computed key or an access-method name can reach data; the type is checked after that cheap filter.
  if (!accessMethod && !(ts.isElementAccessExpression(node) && name === undefined)) return;
  if (!isAccessorType(c.checker.getTypeAtLocation(node.expression), c)) return;
  if (!accessMethod) {
    pushSite(c, node, calledAs(node) ?? node, 'dataset_loader_unbounded');
    return;
  }
  const method = name as AccessMethod;
  if (calledAs(node) !== undefined) return; // a direct call: inspectCall classifies it exactly
  const outer = skipOuterParens(node);
  const via = outer.parent;
  if (ts.isPropertyAccessExpression(via) && via.expression === outer && via.name.text === 'call') {
    const call = calledAs(via);
    if (call !== undefined) {
      pushSite(c, node, call, classify(method, call, c.checker, 1));
      return;
    }
  }
  pushSite(c, node, ts.isPropertyAccessExpression(via) || ts.isCallExpression(via) ? via : node, referenceClass(method));
}

/** The declared type of the slot `expr` flows into, when it has one (a cast's type, a parameter, an annotated variable). */
function slotType(expr: ts.Expression, c: ScanContext): ts.Type | undefined {
  const parent = expr.parent;
  if (ts.isAsExpression(parent) || ts.isTypeAssertionExpression(parent)) {
    if (parent.expression !== expr || ts.isConstTypeReference(parent.type)) return undefined;
    // `x as unknown as T` is one conversion to T: judge the outermost cast of a chain.
    let cast: ts.AsExpression | ts.TypeAssertion = parent;
    for (let up = skipOuterParens(cast).parent; (ts.isAsExpression(up) || ts.isTypeAssertionExpression(up)) && !ts.isConstTypeReference(up.type); up = skipOuterParens(up).parent) cast = up;
    return c.checker.getTypeFromTypeNode(cast.type);
  }
  const flows =
    ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.includes(expr)) ||
    (ts.isVariableDeclaration(parent) && parent.initializer === expr && parent.type !== undefined) ||
    (ts.isParameter(parent) && parent.initializer === expr) ||
    (ts.isPropertyDeclaration(parent) && parent.initializer === expr) ||
    (ts.isBinaryExpression(parent) && parent.right === expr && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) ||
    ts.isReturnStatement(parent) ||
    (ts.isArrowFunction(parent) && parent.body === expr) ||
    (ts.isPropertyAssignment(parent) && parent.initializer === expr) ||
    ts.isShorthandPropertyAssignment(parent) ||
    ts.isArrayLiteralExpression(parent) ||
    ts.isSpreadElement(parent);
  if (!flows) return undefined;
  if (ts.isBinaryExpression(parent)) return c.checker.getTypeAtLocation(parent.left);
  return c.checker.getContextualType(expr);
}

/** The accessor (or ctx) flowing into a slot whose type loses it. */
function inspectFlow(expr: ts.Expression, c: ScanContext): void {
  const target = slotType(expr, c);
  if (target === undefined || target.flags & PRIMITIVE_FLAGS) return;
  if (!holdsAccessor(c.checker.getTypeAtLocation(expr), expr, c) || keepsAccessor(target, expr, c)) return;
  const parent = expr.parent;
  if (ts.isCallExpression(parent) && isThisArgOfOwnMethod(expr, parent, c)) return;
  const cast = ts.isAsExpression(parent) || ts.isTypeAssertionExpression(parent);
  if (cast && isAccessorType(c.checker.getTypeAtLocation(expr), c)) opaqueAccessorUse(parent, parent, c);
  else pushSite(c, expr, ts.isCallExpression(parent) || cast ? parent : expr, 'dataset_loader_unbounded');
}

/** `const { dataset } = <any>` / `run({ dataset }: any)`: the accessor without its type. */
function inspectBinding(el: ts.BindingElement, c: ScanContext): void {
  const key = el.propertyName ?? el.name;
  if (nameText(key) !== 'dataset' || !ts.isObjectBindingPattern(el.parent)) return;
  if (c.checker.getTypeAtLocation(el).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) pushSite(c, el, el.parent, 'dataset_loader_unbounded');
}

function inspectNode(node: ts.Node, c: ScanContext): void {
  if (ts.isCallExpression(node)) inspectCall(node, c);
  if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) inspectMember(node, c);
  else if (ts.isBindingElement(node)) inspectBinding(node, c);
  if (ts.isExpression(node) && mayHoldAccessor(node)) inspectFlow(node, c);
}

const ARITHMETIC_OR_COMPARISON = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken, ts.SyntaxKind.AsteriskAsteriskToken,
  ts.SyntaxKind.LessThanToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken, ts.SyntaxKind.LessThanLessThanToken, ts.SyntaxKind.GreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken, ts.SyntaxKind.InstanceOfKeyword, ts.SyntaxKind.InKeyword,
]);

/** Syntactic filter before any type is asked for: expressions whose value can never be the accessor (or an object holding it). */
function mayHoldAccessor(node: ts.Expression): boolean {
  if (ts.isLiteralExpression(node) || ts.isTemplateExpression(node) || ts.isParenthesizedExpression(node)) return false;
  if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node) || ts.isTypeOfExpression(node) || ts.isVoidExpression(node) || ts.isDeleteExpression(node)) return false;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node)) return false;
  if (ts.isBinaryExpression(node) && ARITHMETIC_OR_COMPARISON.has(node.operatorToken.kind)) return false;
  const k = node.kind;
  return k !== ts.SyntaxKind.TrueKeyword && k !== ts.SyntaxKind.FalseKeyword && k !== ts.SyntaxKind.NullKeyword;
}

/** Hot path: walk the raw compiler nodes. */
function scanFileCompiler(sf: ts.SourceFile, checker: ts.TypeChecker, accessor: ts.InterfaceDeclaration): FileScan {
  const c: ScanContext = { sf, checker, accessor, out: { sites: [], plugins: [] } };
  const visit = (node: ts.Node): void => {
    inspectNode(node, c);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return c.out;
}

/** The same walk through ts-morph's wrapped nodes (kept for the bench's comparison). */
function scanFileMorph(file: SourceFile, checker: ts.TypeChecker, accessor: ts.InterfaceDeclaration): FileScan {
  const c: ScanContext = { sf: file.compilerNode, checker, accessor, out: { sites: [], plugins: [] } };
  inspectNode(file.compilerNode, c);
  file.forEachDescendant((node) => inspectNode(node.compilerNode, c));
  return c.out;
}

function isHarnessCore(file: string): boolean {
  const f = resolve(file);
  return [HARNESS_SRC, ...BUILD_DIRS].some((tree) => f.startsWith(tree + sep) && !f.startsWith(join(tree, 'plugins', 'builtin') + sep));
}

/** The entry file plus the local modules it imports, transitively (harness core and packages excluded). */
function localModuleClosure(entry: SourceFile): SourceFile[] {
  const seen = new Map<string, SourceFile>([[entry.getFilePath(), entry]]);
  const queue = [entry];
  while (queue.length > 0) {
    const sf = queue.shift()!;
    const targets = [
      ...sf.getImportDeclarations().map((d) => (d.getModuleSpecifierValue().startsWith('.') ? d.getModuleSpecifierSourceFile() : undefined)),
      ...sf.getExportDeclarations().map((d) => (d.getModuleSpecifierValue()?.startsWith('.') ? d.getModuleSpecifierSourceFile() : undefined)),
    ];
    for (const t of targets) {
      if (t === undefined || t.isDeclarationFile() || isHarnessCore(t.getFilePath()) || t.getFilePath().includes(`${sep}node_modules${sep}`)) continue;
      if (seen.has(t.getFilePath())) continue;
      seen.set(t.getFilePath(), t);
      queue.push(t);
    }
  }
  return [...seen.values()];
}

export function displayFile(file: string, repoRoot: string): string {
  const rel = relative(repoRoot, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

interface Span {
  file: string;
  pos: number;
  end: number;
}

/** The node whose text a referenced declaration brings along (a destructured name brings its whole declaration). */
function declarationScope(d: ts.Declaration): ts.Node {
  let n: ts.Node = d;
  while (ts.isBindingElement(n) || ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n)) n = n.parent;
  return n;
}

/**
 * Everything a plugin's code can reach: starting from its definePlugin call, every declaration
 * an identifier resolves to (functions, classes, variables — so dispatch tables and helpers
 * passed by reference count), transitively, within the plugin's own modules. Code nothing
 * refers to (a sibling plugin's helper) is left out.
 */
function reachableSpans(roots: readonly ts.Node[], files: ReadonlySet<string>, checker: ts.TypeChecker): Span[] {
  const spans: Span[] = [];
  const seen = new Set<ts.Node>();
  const queue: ts.Node[] = [];
  const add = (node: ts.Node): void => {
    if (seen.has(node)) return;
    seen.add(node);
    const sf = node.getSourceFile();
    spans.push({ file: sf.fileName, pos: node.getStart(sf), end: node.getEnd() });
    queue.push(node);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) {
      let sym = checker.getSymbolAtLocation(n);
      if (sym !== undefined && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      for (const d of sym?.declarations ?? []) {
        const f = d.getSourceFile();
        if (!f.isDeclarationFile && files.has(f.fileName)) add(declarationScope(d));
      }
    }
    ts.forEachChild(n, visit);
  };
  roots.forEach(add);
  while (queue.length > 0) visit(queue.pop()!);
  return spans;
}

/**
 * The sites of one plugin among its modules' sites. When its entry module defines plugins with
 * definePlugin, the plugin owns what its own call reaches (by literal id; plugins with computed
 * ids share the calls without a literal id) plus module-level code; otherwise every site.
 */
function sitesFor(id: string, entry: FileScan, files: readonly SourceFile[], scans: ReadonlyMap<string, FileScan>, checker: ts.TypeChecker): RawSite[] {
  const all = files.flatMap((f) => scans.get(f.getFilePath())!.sites);
  let own = entry.plugins.filter((p) => p.id === id);
  if (own.length === 0) own = entry.plugins.filter((p) => p.id === undefined);
  if (own.length === 0) return all;
  const spans = reachableSpans(
    own.map((r) => r.node),
    new Set(files.map((f) => f.compilerNode.fileName)),
    checker,
  );
  return all.filter((s) => s.moduleLevel || spans.some((sp) => sp.file === s.file && s.pos >= sp.pos && s.pos < sp.end));
}

function compareSites(a: AccessLocation, b: AccessLocation): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

/** Scan the given files once (each file walked once, whatever the number of plugins). */
export function scanFiles(project: Project, files: readonly SourceFile[], walker: ScanWalker = 'compiler'): Map<string, FileScan> {
  const checker = project.getTypeChecker().compilerObject;
  const accessor = accessorInterface(project);
  const out = new Map<string, FileScan>();
  for (const sf of files) {
    if (out.has(sf.getFilePath())) continue;
    out.set(sf.getFilePath(), walker === 'compiler' ? scanFileCompiler(sf.compilerNode, checker, accessor) : scanFileMorph(sf, checker, accessor));
  }
  return out;
}

/**
 * Scan plugins. A plugin's candidate sites are those of its entry module and of the local
 * modules it imports; of those it owns what its definePlugin call reaches (see sitesFor).
 * A plugin without any site is `orchestration_only`.
 */
export function scanPlugins(targets: readonly PluginScanTarget[], options: ScanOptions, project: Project = createScanProject()): Map<string, PluginScan> {
  const entries = new Map<string, SourceFile>();
  for (const t of targets) {
    const file = scanSourceFor(resolve(t.file));
    if (!existsSync(file)) throw new HarnessError('static-scan', `plugin "${t.id}": source file ${file} does not exist`, { hint: 'rediscover the plugins (the file moved since the run?)' });
    entries.set(t.id, project.getSourceFile(file) ?? project.addSourceFileAtPath(file));
  }
  project.resolveSourceFileDependencies();
  const closures = new Map<string, SourceFile[]>([...entries].map(([id, sf]) => [id, localModuleClosure(sf)]));
  const scans = scanFiles(project, [...new Set([...closures.values()].flat())], options.walker);
  const checker = project.getTypeChecker().compilerObject;
  const result = new Map<string, PluginScan>();
  for (const t of targets) {
    const files = closures.get(t.id)!;
    const locations = sitesFor(t.id, scans.get(entries.get(t.id)!.getFilePath())!, files, scans, checker)
      .map<AccessLocation>((s) => ({ file: displayFile(s.file, options.repoRoot), line: s.line, column: s.column, function: s.function, snippet: s.snippet, class: s.class }))
      .sort(compareSites);
    const classes: AccessClass[] = locations.length === 0 ? ['orchestration_only'] : [...new Set(locations.map((l) => l.class))].sort();
    result.set(t.id, {
      id: t.id,
      classes,
      locations,
      sites: locations.length === 0 ? 'no dataset access' : locations.map((l) => `${l.file}:${l.line} ${l.function}`).join(', '),
      files: files.map((f) => displayFile(f.getFilePath(), options.repoRoot)).sort(),
    });
  }
  return result;
}

/** Directory of this module's harness (for tests and the bench). */
export const SCAN_HARNESS_ROOT = dirname(HARNESS_SRC);
