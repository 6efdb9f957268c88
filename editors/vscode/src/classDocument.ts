import * as vscode from 'vscode';

export interface BrowsedMethod {
  name: string;
  category?: string;
  source?: string;
  comment?: string;
}

// BrowsedClass is the reply of the server's stui.browseClass command.
export interface BrowsedClass {
  class_info: {
    name: string;
    superclass?: string | null;
    comment?: string;
    package?: string;
    tag?: string;
    definition?: string;
  };
  instance_methods?: BrowsedMethod[] | null;
  class_methods?: BrowsedMethod[] | null;
  instance_vars?: string[] | null;
  class_vars?: string[] | null;
}

export const classScheme = 'stui-class';

// ClassDocuments shows classes as the image has them, as read-only Smalltalk
// documents: nothing to save, nothing restored as an unsaved file, and one
// tab per class, refreshed each time the class is browsed again.
export class ClassDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, string>();

  uriOf(className: string): vscode.Uri {
    return vscode.Uri.from({ scheme: classScheme, path: `/${className} (image).st` });
  }

  // put stores what the image said about the class and returns its document's uri.
  put(res: BrowsedClass): vscode.Uri {
    const uri = this.uriOf(res.class_info.name);
    this.texts.set(uri.toString(), render(res));
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ??
      '"This class is no longer in memory: browse it again (STUI: Browse class...)."\n';
  }
}

// render writes a class the way Tonel files lay it out: the comment, the
// definition, then each method under its category.
export function render(res: BrowsedClass): string {
  const c = res.class_info;
  const out: string[] = [];
  out.push(comment(`${c.name}, as the image has it${c.package ? ` (package ${c.package}${c.tag ? `-${c.tag}` : ''})` : ''}. ` +
    'Read-only: change the Tonel file and save it, or evaluate in a playground.'));
  out.push('');
  if (c.definition && c.definition.trim() !== '') {
    out.push(c.definition.trim());
  } else {
    out.push(`${c.superclass ?? 'nil'} subclass: #${c.name}`);
    out.push(`\tinstanceVariableNames: '${(res.instance_vars ?? []).join(' ')}'`);
    out.push(`\tclassVariableNames: '${(res.class_vars ?? []).join(' ')}'`);
    out.push(`\tpackage: '${c.package ?? ''}'`);
  }
  if (c.comment) {
    out.push('', comment(c.comment));
  }
  const side = (methods: BrowsedMethod[] | null | undefined, receiver: string) => {
    for (const m of [...(methods ?? [])].sort((a, b) => (a.category ?? '').localeCompare(b.category ?? '') || a.name.localeCompare(b.name))) {
      out.push('', `{ #category : #'${(m.category || 'as yet unclassified').replace(/'/g, "''")}' }`);
      const source = (m.source ?? '').trim();
      if (source === '') {
        out.push(`${receiver} >> ${m.name} [`, `\t${comment(m.comment || 'no source in the image')}`, ']');
        continue;
      }
      const [header, ...body] = source.split('\n');
      out.push(`${receiver} >> ${header.trim()} [`, ...body, ']');
    }
  };
  side(res.instance_methods, c.name);
  side(res.class_methods, `${c.name} class`);
  out.push('');
  return out.join('\n');
}

function comment(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}
