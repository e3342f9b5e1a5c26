import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/** Whether the field being resolved selects the subfield `name` (directly or through fragments). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && setSelects(node.selectionSet, name, info));
}

function setSelects(set: SelectionSetNode, name: string, info: GraphQLResolveInfo): boolean {
  return set.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === name;
    if (selection.kind === Kind.INLINE_FRAGMENT) return setSelects(selection.selectionSet, name, info);
    // Validation has refused fragment cycles and unknown fragments before execution.
    const fragment = info.fragments[selection.name.value];
    return fragment !== undefined && setSelects(fragment.selectionSet, name, info);
  });
}
