import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/** Whether the field being resolved selects the subfield `name` (directly or through fragments). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return selectsPath(info, [name]);
}

/** Whether the field being resolved selects a nested path of subfields, e.g. `edges.node.accesses`. */
export function selectsPath(info: GraphQLResolveInfo, path: string[]): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && setSelects(node.selectionSet, path, info));
}

function setSelects(set: SelectionSetNode, path: string[], info: GraphQLResolveInfo): boolean {
  return set.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== path[0]) return false;
      return (
        path.length === 1 || (selection.selectionSet !== undefined && setSelects(selection.selectionSet, path.slice(1), info))
      );
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) return setSelects(selection.selectionSet, path, info);
    // Validation has refused fragment cycles and unknown fragments before execution.
    const fragment = info.fragments[selection.name.value];
    return fragment !== undefined && setSelects(fragment.selectionSet, path, info);
  });
}
