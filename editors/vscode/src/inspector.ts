import * as vscode from 'vscode';

export interface Slot {
  name: string;
  print_string: string;
  class_name: string;
  object_id?: string | null;
  has_slots: boolean;
}

export interface InspectResult {
  object_id: string;
  object_info: { class_name: string; string_representation: string; size: number };
  slots: Slot[];
  total_slots: number;
  offset?: number;
}

type Node = { kind: 'object'; id: string; label: string; description: string } |
  { kind: 'slot'; slot: Slot } |
  { kind: 'more'; id: string; offset: number; remaining: number };

export const pageSize = 100;

// InspectorProvider is the STUI Inspector view: inspected objects at the top,
// their slots below; a slot that has slots of its own expands by asking the
// image for that object id.
export class InspectorProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Node[] = [];

  constructor(private readonly inspect: (id: string, offset?: number) => Promise<InspectResult | undefined>) {}

  show(res: InspectResult): void {
    this.roots.unshift({
      kind: 'object',
      id: res.object_id,
      label: res.object_info.string_representation,
      description: res.object_info.class_name,
    });
    this.changed.fire(undefined);
  }

  clear(): void {
    this.roots = [];
    this.changed.fire(undefined);
  }

  async drill(node: Node | undefined): Promise<void> {
    if (node && node.kind === 'slot' && node.slot.object_id) {
      const res = await this.inspect(node.slot.object_id);
      if (res) {
        this.show(res);
      }
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'object': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.description}  [${node.id}]`;
        item.iconPath = new vscode.ThemeIcon('symbol-class');
        return item;
      }
      case 'slot': {
        const s = node.slot;
        const expandable = s.has_slots && !!s.object_id;
        const item = new vscode.TreeItem(s.name,
          expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.description = `${s.print_string}  (${s.class_name})`;
        item.tooltip = s.print_string;
        item.contextValue = expandable ? 'stui.object' : 'stui.value';
        item.iconPath = new vscode.ThemeIcon(expandable ? 'symbol-object' : 'symbol-field');
        return item;
      }
      case 'more':
        return new vscode.TreeItem(`... ${node.remaining} more`, vscode.TreeItemCollapsibleState.Collapsed);
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      return this.roots;
    }
    let id: string | undefined;
    let offset = 0;
    if (node.kind === 'object') {
      id = node.id;
    } else if (node.kind === 'slot') {
      id = node.slot.object_id ?? undefined;
    } else {
      id = node.id;
      offset = node.offset;
    }
    if (!id) {
      return [];
    }
    const res = await this.inspect(id, offset);
    if (!res) {
      return [];
    }
    const out: Node[] = res.slots.map((slot) => ({ kind: 'slot', slot }));
    const shown = offset + res.slots.length;
    if (res.total_slots > shown) {
      out.push({ kind: 'more', id, offset: shown, remaining: res.total_slots - shown });
    }
    return out;
  }
}

