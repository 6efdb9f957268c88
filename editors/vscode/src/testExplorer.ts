import * as vscode from 'vscode';

// VS Code's Test Explorer for SUnit: the server lists the workspace's test
// classes and methods (stui.listTests: classes whose superclass chain reaches
// TestCase) and runs them in the image (stui.runTests); each outcome is shown
// on its item, a failure at the line the server located.

interface Position { line: number; character: number }
interface Range { start: Position; end: Position }
interface Location { uri: string; range: Range }

interface TestMethodItem { selector: string; location: Location }
interface TestClassItem { class_name: string; location: Location; tests: TestMethodItem[] }

interface TestResultItem {
  class_name: string;
  selector: string;
  status: 'pass' | 'fail' | 'error' | 'skip';
  message?: string;
  duration_ms: number;
  location?: Location;
}

interface TestRunReport {
  summary: string;
  results: TestResultItem[];
}

export type ServerCommand = <T>(command: string, args: unknown[]) => Promise<T | undefined>;

const toRange = (r: Range) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
const toLocation = (l: Location) => new vscode.Location(vscode.Uri.parse(l.uri), toRange(l.range));

export class TestExplorer implements vscode.Disposable {
  private readonly controller: vscode.TestController;
  private readonly watcher: vscode.FileSystemWatcher;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly run: ServerCommand) {
    this.controller = vscode.tests.createTestController('stui.sunit', 'SUnit (STUI)');
    this.controller.resolveHandler = async () => this.refresh();
    this.controller.refreshHandler = async () => this.refresh();
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run,
      (request, token) => this.runTests(request, token), true);
    this.watcher = vscode.workspace.createFileSystemWatcher('**/*.st');
    const later = () => this.refreshSoon();
    this.watcher.onDidChange(later);
    this.watcher.onDidCreate(later);
    this.watcher.onDidDelete(later);
  }

  dispose(): void {
    if (this.refreshTimer) {
      clearTimeout(this.refreshTimer);
    }
    this.watcher.dispose();
    this.controller.dispose();
  }

  // The server indexes the workspace after it starts; files that change are
  // listed again a moment later, once it has read them.
  refreshSoon(ms = 500): void {
    if (this.refreshTimer) {
      clearTimeout(this.refreshTimer);
    }
    this.refreshTimer = setTimeout(() => void this.refresh(), ms);
  }

  async refresh(): Promise<void> {
    const classes = await this.run<TestClassItem[]>('stui.listTests', [{}]);
    if (!classes) {
      return;
    }
    const items: vscode.TestItem[] = [];
    for (const c of classes) {
      const uri = vscode.Uri.parse(c.location.uri);
      const item = this.controller.createTestItem(c.class_name, c.class_name, uri);
      item.range = toRange(c.location.range);
      for (const m of c.tests) {
        const test = this.controller.createTestItem(`${c.class_name}>>${m.selector}`, m.selector, vscode.Uri.parse(m.location.uri));
        test.range = toRange(m.location.range);
        item.children.add(test);
      }
      items.push(item);
    }
    this.controller.items.replace(items);
  }

  private async runTests(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    // One run_tests per class: the selectors asked for, or all of them.
    const byClass = new Map<string, vscode.TestItem[]>();
    const queue: vscode.TestItem[] = [];
    if (request.include) {
      queue.push(...request.include);
    } else {
      this.controller.items.forEach((i) => queue.push(i));
    }
    for (const item of queue) {
      if (request.exclude?.includes(item)) {
        continue;
      }
      const cls = item.parent ?? item;
      const list = byClass.get(cls.id) ?? [];
      if (item.parent) {
        list.push(item);
      } else {
        item.children.forEach((child) => list.push(child));
      }
      byClass.set(cls.id, list);
    }
    try {
      for (const [className, tests] of byClass) {
        if (token.isCancellationRequested) {
          break;
        }
        tests.forEach((t) => run.started(t));
        const cls = this.controller.items.get(className);
        const whole = cls !== undefined && tests.length === cls.children.size;
        const report = await this.run<TestRunReport>('stui.runTests', [
          whole ? { className } : { className, selectors: tests.map((t) => t.label) },
        ]);
        if (!report) {
          tests.forEach((t) => run.errored(t, new vscode.TestMessage('stui-lsp did not run the tests (see the STUI output)')));
          continue;
        }
        run.appendOutput(report.summary + '\r\n');
        for (const r of report.results) {
          const item = cls?.children.get(`${r.class_name}>>${r.selector}`) ?? tests.find((t) => t.label === r.selector);
          if (!item) {
            continue;
          }
          const message = new vscode.TestMessage(r.message ?? r.status);
          if (r.location) {
            message.location = toLocation(r.location);
          }
          switch (r.status) {
            case 'pass':
              run.passed(item, r.duration_ms);
              break;
            case 'fail':
              run.failed(item, message, r.duration_ms);
              break;
            case 'error':
              run.errored(item, message, r.duration_ms);
              break;
            default:
              run.skipped(item);
          }
        }
      }
    } finally {
      run.end();
    }
  }
}
