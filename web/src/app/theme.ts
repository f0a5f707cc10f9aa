import { createTheme, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';

// ComfyUI's greys (its editor's #202020 canvas and #353535 panels), darkest last as Mantine wants.
const dark: MantineColorsTuple = ['#d4d4d8', '#b4b4bb', '#8e8e96', '#6b6b73', '#45454b', '#353539', '#27272a', '#1f1f22', '#18181b', '#121214'];
// An indigo close to the accent of ComfyUI's new frontend.
const accent: MantineColorsTuple = ['#eef0ff', '#dcdfff', '#b6bcfb', '#8d97f7', '#6a77f3', '#5463f1', '#4858f1', '#3949d7', '#3140c1', '#2436ab'];

/** Dense and quiet, in the manner of Grafana and Linear: small controls, thin borders, one accent. */
export const theme = createTheme({
  primaryColor: 'accent',
  colors: { dark, accent },
  defaultRadius: 'sm',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Microsoft YaHei", sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  fontSizes: { xs: '11px', sm: '12.5px', md: '14px', lg: '16px', xl: '18px' },
  headings: { sizes: { h1: { fontSize: '20px' }, h2: { fontSize: '16px' }, h3: { fontSize: '14px' } } },
  components: {
    Button: { defaultProps: { size: 'xs' } },
    ActionIcon: { defaultProps: { size: 'md', variant: 'subtle' } },
    TextInput: { defaultProps: { size: 'xs' } },
    PasswordInput: { defaultProps: { size: 'xs' } },
    Select: { defaultProps: { size: 'xs' } },
    Textarea: { defaultProps: { size: 'xs' } },
    TagsInput: { defaultProps: { size: 'xs' } },
    NumberInput: { defaultProps: { size: 'xs' } },
    Checkbox: { defaultProps: { size: 'xs' } },
    Switch: { defaultProps: { size: 'xs' } },
    SegmentedControl: { defaultProps: { size: 'xs' } },
    Badge: { defaultProps: { size: 'sm', radius: 'sm', variant: 'light' } },
    Paper: { defaultProps: { withBorder: true, radius: 'sm', p: 'sm' } },
    Table: { defaultProps: { fz: 'sm', verticalSpacing: 6, horizontalSpacing: 'sm' } },
  },
});

/**
 * Text colours readable on the dark panels (WCAG AA asks 4.5:1 for small text): Mantine's dark
 * `--mantine-color-error` (red 8) is about 3.7:1 against ComfyUI's greys, red 5 about 5.9:1; links
 * in the accent's shade 4 are about 4.3:1, shade 3 about 6:1.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {},
  dark: { '--mantine-color-error': 'var(--mantine-color-red-5)', '--mantine-color-anchor': 'var(--mantine-color-accent-3)' },
});
